package io.jk.controllers.nodeipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CidrAllocatorTest {

  @Test
  void parsesAndPrintsCidrs() {
    assertEquals("10.244.0.0/16", Cidr.parse("10.244.0.0/16").toString());
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.0.1/16"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.0.0"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.300.0.0/16"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("fd00::/64"));
  }

  @Test
  void handsOutUniqueBlocksUntilExhaustedAndReusesReleased() {
    CidrAllocator a = new CidrAllocator(Cidr.parse("10.244.0.0/22"), 24);
    assertTrue(a.occupy(Cidr.parse("10.244.1.0/24")), "an existing node's block");
    Set<String> got = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      got.add(a.allocate().orElseThrow().toString());
    }
    assertEquals(Set.of("10.244.0.0/24", "10.244.2.0/24", "10.244.3.0/24"), got);
    assertTrue(a.allocate().isEmpty());
    a.release(Cidr.parse("10.244.2.0/24"));
    assertEquals("10.244.2.0/24", a.allocate().orElseThrow().toString());
    assertFalse(a.occupy(Cidr.parse("10.245.0.0/24")), "outside the cluster range");
  }
}

package io.jk.kubelet.server.portforward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code ports} query parameter of {@code /portForward}: fabric8 sends one, Kubernetes allows a list. */
class PortForwardPortsTest {

  @Test
  void commaListsAndRepeatsAreRead() {
    assertEquals(List.of(80), PortForwardHandler.ports(List.of("80")));
    assertEquals(List.of(80, 8080, 9090), PortForwardHandler.ports(List.of("80,8080", "9090")));
    assertEquals(List.of(), PortForwardHandler.ports(List.of()));
  }

  @Test
  void badPortsAreRefusedWithTheirValue() {
    assertEquals("invalid port \"0\": want 1-65535",
        assertThrows(IllegalArgumentException.class, () -> PortForwardHandler.ports(List.of("0"))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> PortForwardHandler.ports(List.of("65536")));
    assertThrows(IllegalArgumentException.class, () -> PortForwardHandler.ports(List.of("http")));
  }
}

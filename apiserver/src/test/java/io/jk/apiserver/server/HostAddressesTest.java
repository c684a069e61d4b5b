package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostAddressesTest {

  private static final String HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

  @Test
  void theDefaultRoutesInterfaceIsFound() {
    String table = HEADER
        + "cni0\t0058F40A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        + "ens4\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";
    assertEquals(Optional.of("ens4"), HostAddresses.defaultRouteInterface(table));
  }

  @Test
  void noDefaultRouteOrADownOneIsNone() {
    assertEquals(Optional.empty(), HostAddresses.defaultRouteInterface(HEADER
        + "cni0\t0058F40A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"));
    assertEquals(Optional.empty(), HostAddresses.defaultRouteInterface(HEADER
        + "ens4\t00000000\t0100A8C0\t0002\t0\t0\t100\t00000000\t0\t0\t0\n"));
    assertEquals(Optional.empty(), HostAddresses.defaultRouteInterface(""));
  }
}

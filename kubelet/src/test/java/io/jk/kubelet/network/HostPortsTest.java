package io.jk.kubelet.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The nftables rules of a pod's host ports (pure; {@code HostPortTest} runs them for real). */
class HostPortsTest {

  static Stream<Arguments> cases() {
    String uid = "0b0e-42";
    return Stream.of(
        Arguments.of("a TCP port on every node address", "10.1.0.5",
            List.of(new SandboxNetworkRef.PortMapping(8080, 80, "TCP", null)),
            "add rule ip jk-hostport hostports tcp dport 8080 dnat to 10.1.0.5:80 comment \"pod:" + uid + "\"\n"),
        Arguments.of("hostIP narrows it to one address, protocol is lower-cased", "10.1.0.5",
            List.of(new SandboxNetworkRef.PortMapping(53, 5353, "UDP", "192.168.1.7")),
            "add rule ip jk-hostport hostports ip daddr 192.168.1.7 udp dport 53 dnat to 10.1.0.5:5353 comment \"pod:" + uid + "\"\n"),
        Arguments.of("0.0.0.0 means every address", "10.1.0.5",
            List.of(new SandboxNetworkRef.PortMapping(8443, 443, "TCP", "0.0.0.0")),
            "add rule ip jk-hostport hostports tcp dport 8443 dnat to 10.1.0.5:443 comment \"pod:" + uid + "\"\n"),
        Arguments.of("an IPv6 hostIP is not in an ip table", "10.1.0.5",
            List.of(new SandboxNetworkRef.PortMapping(80, 80, "TCP", "fd00::1")), ""),
        Arguments.of("an IPv6 pod gets no IPv4 rule", "fd00::5",
            List.of(new SandboxNetworkRef.PortMapping(80, 80, "TCP", null)), ""),
        Arguments.of("ports out of range are skipped", "10.1.0.5",
            List.of(new SandboxNetworkRef.PortMapping(70000, 80, "TCP", null)), ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rules(String name, String podIp, List<SandboxNetworkRef.PortMapping> mappings, String want) {
    assertEquals(want, HostPorts.rules("0b0e-42", podIp, mappings));
  }
}

package io.jk.apiserver.server;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;

/**
 * The host's address on its default route, as kube-apiserver picks one when no advertise address
 * is given: pods reach the API server through the {@code kubernetes} Service at that address (a
 * loopback address in the Service's endpoints would lead a pod to its own loopback).
 */
final class HostAddresses {

  private HostAddresses() {}

  /** The first IPv4 address of the interface of the IPv4 default route, if there is one. */
  static Optional<String> defaultRouteIpv4() {
    try {
      return defaultRouteInterface(Files.readString(Path.of("/proc/net/route"))).flatMap(HostAddresses::ipv4Of);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The interface of the default route (destination and mask 0, route up) in {@code /proc/net/route} text. */
  static Optional<String> defaultRouteInterface(String procNetRoute) {
    for (String line : procNetRoute.split("\n")) {
      String[] f = line.trim().split("\\s+");
      // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
      if (f.length >= 8 && f[1].equals("00000000") && f[7].equals("00000000")
          && (Integer.parseInt(f[3], 16) & 0x1) != 0) {
        return Optional.of(f[0]);
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ipv4Of(String interfaceName) {
    try {
      NetworkInterface nic = NetworkInterface.getByName(interfaceName);
      if (nic == null) {
        return Optional.empty();
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(a.getHostAddress());
        }
      }
    } catch (SocketException e) {
      // no address
    }
    return Optional.empty();
  }
}

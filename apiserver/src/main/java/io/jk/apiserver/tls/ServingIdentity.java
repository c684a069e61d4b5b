package io.jk.apiserver.tls;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names and addresses the API server's serving certificate must cover (its subject
 * alternative names).
 *
 * <p>{@link #standard} builds the set kube-apiserver uses: loopback, {@code localhost}, the
 * host name, the {@code kubernetes.default.svc...} names, the first service IP, and every
 * advertise address or extra SAN the operator gave.
 *
 * @param dnsNames DNS names, lower case
 * @param ipAddresses IP address literals (IPv4 dotted or IPv6)
 */
public record ServingIdentity(Set<String> dnsNames, Set<String> ipAddresses) {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern DNS_NAME =
      Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** Sorted, immutable copies; rejects malformed names. */
  public ServingIdentity {
    TreeSet<String> dns = new TreeSet<>();
    for (String name : dnsNames) {
      String lower = name.trim().toLowerCase(Locale.ROOT);
      if (!DNS_NAME.matcher(lower).matches() || lower.length() > 253) {
        throw new IllegalArgumentException("invalid DNS name for the serving certificate: \"" + name + "\"");
      }
      dns.add(lower);
    }
    TreeSet<String> ips = new TreeSet<>();
    for (String ip : ipAddresses) {
      if (!isIpLiteral(ip.trim())) {
        throw new IllegalArgumentException("invalid IP address for the serving certificate: \"" + ip + "\"");
      }
      ips.add(normalizeIp(ip.trim()));
    }
    dnsNames = Collections.unmodifiableSet(dns);
    ipAddresses = Collections.unmodifiableSet(ips);
  }

  /**
   * The standard identity of an API server.
   *
   * @param hostName this machine's host name (may be null or blank to leave out; left out with
   *     a warning when it is not a valid DNS name)
   * @param firstServiceIp the first address of the service range, e.g. {@code 10.96.0.1} (may be null)
   * @param extraSans advertise addresses and extra SANs: IP literals become IP SANs, others DNS SANs
   */
  public static ServingIdentity standard(String hostName, String firstServiceIp, Collection<String> extraSans) {
    TreeSet<String> dns = new TreeSet<>(List.of(
        "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local"));
    TreeSet<String> ips = new TreeSet<>(List.of("127.0.0.1", "::1"));
    if (hostName != null && !hostName.isBlank()) {
      String host = hostName.trim().toLowerCase(Locale.ROOT);
      if (DNS_NAME.matcher(host).matches()) {
        dns.add(host);
      } else {
        // A machine name that is no DNS name (e.g. with '_') must not stop the server.
        org.slf4j.LoggerFactory.getLogger(ServingIdentity.class)
            .warn("Host name is not a valid DNS name, left out of the serving certificate hostName={}", hostName);
      }
    }
    if (firstServiceIp != null && !firstServiceIp.isBlank()) {
      ips.add(firstServiceIp.trim());
    }
    for (String san : extraSans) {
      if (san == null || san.isBlank()) {
        continue;
      }
      (isIpLiteral(san.trim()) ? ips : dns).add(san.trim());
    }
    return new ServingIdentity(dns, ips);
  }

  /** The canonical text of an IP literal, as Java prints certificate IP SANs. */
  static String normalizeIp(String literal) {
    try {
      return java.net.InetAddress.getByName(literal).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("invalid IP address: \"" + literal + "\"", e);
    }
  }

  /** Whether {@code value} is an IPv4 or IPv6 literal (never resolves names). */
  static boolean isIpLiteral(String value) {
    if (IPV4.matcher(value).matches()) {
      for (String part : value.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    // IPv6: hex groups and colons, optionally an embedded IPv4 tail; InetAddress would not
    // resolve it since it contains ':'.
    if (value.contains(":") && value.matches("[0-9a-fA-F:.]+")) {
      try {
        java.net.InetAddress.getByName(value);
        return true;
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
    return false;
  }
}

package io.jk.apiserver.resources.support;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP address literal checks without any name resolution. */
public final class Ips {

  private static final Pattern V4 = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
      + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
  private static final Pattern V6_CHARS = Pattern.compile("^[0-9a-fA-F:.]+$");

  /** The message Kubernetes gives for a string that is not an IP address. */
  public static final String INVALID = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

  private Ips() {}

  /** Whether {@code s} is an IPv4 dotted quad. */
  public static boolean isV4(String s) {
    return s != null && V4.matcher(s).matches();
  }

  /** Whether {@code s} is an IPv6 literal. */
  public static boolean isV6(String s) {
    if (s == null || !s.contains(":") || !V6_CHARS.matcher(s).matches()) {
      return false;
    }
    try {
      // A string of hex digits, colons and dots with a colon is parsed as a literal, never resolved.
      return InetAddress.getByName(s) instanceof Inet6Address;
    } catch (UnknownHostException | RuntimeException e) {
      return false;
    }
  }

  /** Whether {@code s} is an IPv4 or IPv6 literal. */
  public static boolean isIp(String s) {
    return isV4(s) || isV6(s);
  }
}

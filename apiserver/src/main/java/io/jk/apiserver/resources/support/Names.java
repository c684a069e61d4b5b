package io.jk.apiserver.resources.support;

import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' name and key syntax checks (apimachinery {@code util/validation}), returning the
 * same messages, so that errors read exactly as a real cluster prints them. Each check returns
 * the list of problems; empty means valid.
 *
 * <p>The syntax is checked by hand-written character scans, each equivalent to the regex that the
 * message quotes (ASCII classes, whole-string match, as Go's {@code regexp}): every create
 * validates many names, keys and values, and regex matching was a tenth of a create's CPU.
 */
public final class Names {

  // the regexes Kubernetes quotes in its messages; the scans below accept exactly their languages
  private static final String LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String SUBDOMAIN_FMT = LABEL_FMT + "(\\." + LABEL_FMT + ")*";
  private static final String DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
  private static final String QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final String LABEL_VALUE_FMT = "(" + QUALIFIED_FMT + ")?";
  private static final String CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+";
  private static final String ENV_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*";

  /** Longest DNS-1123 label / DNS-1035 label / qualified name part. */
  public static final int LABEL_MAX = 63;
  /** Longest DNS-1123 subdomain. */
  public static final int SUBDOMAIN_MAX = 253;

  private Names() {}

  /** A kind of name as Kubernetes validates {@code metadata.name}. */
  public enum Rule {
    /** RFC 1123 subdomain (most kinds). */
    DNS1123_SUBDOMAIN,
    /** RFC 1123 label (namespaces, ...). */
    DNS1123_LABEL,
    /** RFC 1035 label (services). */
    DNS1035_LABEL,
    /** Path segment name: anything but "." and ".." and no "/" or "%" (e.g. RBAC, events may use it). */
    PATH_SEGMENT;

    /** Problems of {@code name} under this rule. */
    public List<String> check(String name) {
      return switch (this) {
        case DNS1123_SUBDOMAIN -> dns1123Subdomain(name);
        case DNS1123_LABEL -> dns1123Label(name);
        case DNS1035_LABEL -> dns1035Label(name);
        case PATH_SEGMENT -> pathSegment(name);
      };
    }
  }

  private static String regexError(String msg, String fmt, String... examples) {
    StringBuilder b = new StringBuilder(msg).append(" (");
    if (examples.length > 0) {
      b.append("e.g. ");
      for (int i = 0; i < examples.length; i++) {
        if (i > 0) {
          b.append(",  or ");
        }
        b.append('\'').append(examples[i]).append('\'');
      }
      b.append(", ");
    }
    return b.append("regex used for validation is '").append(fmt).append("')").toString();
  }

  private static String maxLen(int n) {
    return "must be no more than " + n + " characters";
  }

  /** RFC 1123 label, e.g. a namespace or container name. */
  public static List<String> dns1123Label(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > LABEL_MAX) {
      errs.add(maxLen(LABEL_MAX));
    }
    if (!isDns1123Label(v)) {
      errs.add(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
          + "and must start and end with an alphanumeric character", LABEL_FMT, "my-name", "123-abc"));
    }
    return errs;
  }

  /** RFC 1123 subdomain, e.g. most object names. */
  public static List<String> dns1123Subdomain(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > SUBDOMAIN_MAX) {
      errs.add(maxLen(SUBDOMAIN_MAX));
    }
    if (!isDns1123Subdomain(v)) {
      errs.add(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
          + "and must start and end with an alphanumeric character", SUBDOMAIN_FMT, "example.com"));
    }
    return errs;
  }

  /** RFC 1035 label, e.g. a service name. */
  public static List<String> dns1035Label(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > LABEL_MAX) {
      errs.add(maxLen(LABEL_MAX));
    }
    if (!isDns1035Label(v)) {
      errs.add(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
          + "start with an alphabetic character, and end with an alphanumeric character", DNS1035_FMT,
          "my-name", "abc-123"));
    }
    return errs;
  }

  /** A name that can be one path segment. */
  public static List<String> pathSegment(String v) {
    List<String> errs = new ArrayList<>();
    if (v.equals(".") || v.equals("..")) {
      errs.add("may not be '" + v + "'");
    }
    if (v.contains("/")) {
      errs.add("may not contain '/'");
    }
    if (v.contains("%")) {
      errs.add("may not contain '%'");
    }
    return errs;
  }

  /** A qualified name such as a label or annotation key: optional DNS subdomain prefix and '/'. */
  public static List<String> qualifiedName(String v) {
    List<String> errs = new ArrayList<>();
    String[] parts = v.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        errs.add("prefix part must be non-empty");
      } else {
        for (String e : dns1123Subdomain(prefix)) {
          errs.add("prefix part " + e);
        }
      }
    } else {
      errs.add(regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
          + "and must start and end with an alphanumeric character", QUALIFIED_FMT, "MyName", "my.name", "123-abc")
          + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    if (name.isEmpty()) {
      errs.add("name part must be non-empty");
    } else if (name.length() > LABEL_MAX) {
      errs.add("name part " + maxLen(LABEL_MAX));
    }
    if (!isQualifiedNamePart(name)) {
      errs.add("name part " + regexError("must consist of alphanumeric characters, '-', '_' or '.', "
          + "and must start and end with an alphanumeric character", QUALIFIED_FMT, "MyName", "my.name", "123-abc"));
    }
    return errs;
  }

  /** A label value. */
  public static List<String> labelValue(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > LABEL_MAX) {
      errs.add(maxLen(LABEL_MAX));
    }
    if (!isLabelValue(v)) {
      errs.add(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
          + "and must start and end with an alphanumeric character", LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
    }
    return errs;
  }

  /** A ConfigMap or Secret key. */
  public static List<String> configMapKey(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > SUBDOMAIN_MAX) {
      errs.add(maxLen(SUBDOMAIN_MAX));
    }
    if (!isConfigKey(v)) {
      errs.add(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
          CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
    }
    if (v.equals(".")) {
      errs.add("must not be '.'");
    } else if (v.equals("..")) {
      errs.add("must not be '..'");
    } else if (v.startsWith("..")) {
      errs.add("must not start with '..'");
    }
    return errs;
  }

  /** An environment variable name. */
  public static List<String> envVarName(String v) {
    List<String> errs = new ArrayList<>();
    if (!isEnvVarName(v)) {
      errs.add(regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
          + "or '.', and must not start with a digit", ENV_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"));
    }
    return errs;
  }

  /** An IANA service name, as a named container or service port. */
  public static List<String> portName(String v) {
    List<String> errs = new ArrayList<>();
    if (v.length() > 15) {
      errs.add("must be no more than 15 characters");
    }
    if (!isDns1123Label(v)) {
      errs.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if (v.contains("--")) {
      errs.add("must not contain consecutive hyphens");
    }
    if (!v.isEmpty() && !hasLowerLetter(v)) {
      errs.add("must contain at least one letter (a-z)");
    }
    return errs;
  }

  // ---- the scans: each accepts exactly the language of the regex named in its Javadoc ----

  private static boolean isLowerAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static boolean isAlnum(char c) {
    return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
  }

  private static boolean isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Whether {@code v} matches {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?} (no length limit). */
  public static boolean isDns1123Label(String v) {
    int n = v.length();
    if (n == 0 || !isLowerAlnum(v.charAt(0)) || !isLowerAlnum(v.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = v.charAt(i);
      if (c != '-' && !isLowerAlnum(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code v} is DNS-1123 labels joined by single dots: {@code LABEL(\.LABEL)*} (no length limit). */
  public static boolean isDns1123Subdomain(String v) {
    int n = v.length();
    int start = 0; // of the current label
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c == '.') {
        if (i == start || v.charAt(i - 1) == '-') {
          return false; // an empty label, or one ending with '-'
        }
        start = i + 1;
      } else if (c == '-') {
        if (i == start) {
          return false; // a label starting with '-'
        }
      } else if (!isLowerAlnum(c)) {
        return false;
      }
    }
    return start < n && v.charAt(n - 1) != '-';
  }

  /** Whether {@code v} matches {@code [a-z]([-a-z0-9]*[a-z0-9])?} (no length limit). */
  public static boolean isDns1035Label(String v) {
    char first = v.isEmpty() ? 0 : v.charAt(0);
    return first >= 'a' && first <= 'z' && isDns1123Label(v);
  }

  /** Whether {@code v} matches {@code ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]} (no length limit). */
  public static boolean isQualifiedNamePart(String v) {
    int n = v.length();
    if (n == 0 || !isAlnum(v.charAt(0)) || !isAlnum(v.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = v.charAt(i);
      if (c != '-' && c != '_' && c != '.' && !isAlnum(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code v} is empty or a qualified name part (no length limit). */
  public static boolean isLabelValue(String v) {
    return v.isEmpty() || isQualifiedNamePart(v);
  }

  /** Whether {@code v} matches {@code [-._a-zA-Z0-9]+} (no length limit, '.' and '..' not refused). */
  public static boolean isConfigKey(String v) {
    int n = v.length();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c != '-' && c != '.' && c != '_' && !isAlnum(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code v} matches {@code [-._a-zA-Z][-._a-zA-Z0-9]*}. */
  public static boolean isEnvVarName(String v) {
    if (v.isEmpty()) {
      return false;
    }
    char first = v.charAt(0);
    return (first == '-' || first == '.' || first == '_' || isAlpha(first)) && isConfigKey(v);
  }

  private static boolean hasLowerLetter(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 'a' && c <= 'z') {
        return true;
      }
    }
    return false;
  }

  /** True when {@code v} is a valid port number. */
  public static boolean validPort(long v) {
    return v >= 1 && v <= 65535;
  }

  /** The message for a port number out of range. */
  public static final String PORT_RANGE = "must be between 1 and 65535, inclusive";
}

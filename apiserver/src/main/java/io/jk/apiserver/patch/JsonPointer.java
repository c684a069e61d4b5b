package io.jk.apiserver.patch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A parsed RFC 6901 JSON Pointer ({@code /a/b~1c/0}, {@code ~0} = {@code ~}, {@code ~1} = {@code /}). */
record JsonPointer(String text, List<String> tokens) {

  /**
   * Parses a pointer.
   *
   * @throws PatchException 400 when the pointer is not empty and does not start with {@code /},
   *     or has a {@code ~} not followed by {@code 0} or {@code 1}
   */
  static JsonPointer parse(String text) {
    if (text.isEmpty()) {
      return new JsonPointer(text, List.of());
    }
    if (text.charAt(0) != '/') {
      throw PatchException.badRequest("invalid JSON pointer \"" + text + "\": must start with '/'");
    }
    List<String> tokens = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 1; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '/') {
        tokens.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      char c = text.charAt(i);
      if (c == '~') {
        char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
        if (next == '0') {
          cur.append('~');
        } else if (next == '1') {
          cur.append('/');
        } else {
          throw PatchException.badRequest(
              "invalid JSON pointer \"" + text + "\": '~' must be followed by '0' or '1'");
        }
        i++;
      } else {
        cur.append(c);
      }
    }
    return new JsonPointer(text, Collections.unmodifiableList(tokens));
  }

  boolean isRoot() {
    return tokens.isEmpty();
  }

  String last() {
    return tokens.get(tokens.size() - 1);
  }

  JsonPointer parent() {
    return new JsonPointer(text.substring(0, text.lastIndexOf('/')),
        tokens.subList(0, tokens.size() - 1));
  }

  /** Whether this pointer is a proper prefix of {@code other} (a move into its own child). */
  boolean isProperPrefixOf(JsonPointer other) {
    return other.tokens.size() > tokens.size()
        && other.tokens.subList(0, tokens.size()).equals(tokens);
  }

  /**
   * An array index token as Kubernetes' JSON patch library reads it (Go's {@code strconv.Atoi}:
   * optional sign, leading zeros allowed); null when the token is not a number.
   */
  static Integer index(String token) {
    if (token.isEmpty() || token.length() > 10) {
      return null;
    }
    int start = token.charAt(0) == '-' || token.charAt(0) == '+' ? 1 : 0;
    if (start == token.length()) {
      return null;
    }
    for (int i = start; i < token.length(); i++) {
      if (token.charAt(i) < '0' || token.charAt(i) > '9') {
        return null;
      }
    }
    long v = Long.parseLong(token.charAt(0) == '+' ? token.substring(1) : token);
    return v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? null : (int) v;
  }
}

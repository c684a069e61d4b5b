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
   * An array index token: digits without leading zeros; -1 when the token is not an index.
   */
  static int index(String token) {
    if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) {
      return -1;
    }
    for (int i = 0; i < token.length(); i++) {
      if (!Character.isDigit(token.charAt(i)) || token.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(token);
  }
}

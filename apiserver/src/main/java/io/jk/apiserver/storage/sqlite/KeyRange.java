package io.jk.apiserver.storage.sqlite;

/**
 * The SQL bounds of a key prefix: {@code name >= lower AND name < upper}. SQLite compares TEXT by its
 * UTF-8 bytes, which for characters below U+D800 is the order of Java chars, so the upper bound is the
 * prefix with its last char incremented. Where that does not work (empty prefix, a last char from
 * U+D7FF up) the upper bound is a BLOB, which SQLite orders after every TEXT, and callers filter
 * with {@link #matches}.
 */
record KeyRange(String prefix, Object upper, boolean exact) {

  private static final byte[] AFTER_ALL_TEXT = new byte[] {(byte) 0xff};

  static KeyRange of(String prefix) {
    if (prefix.isEmpty()) {
      return new KeyRange(prefix, AFTER_ALL_TEXT, true);
    }
    char last = prefix.charAt(prefix.length() - 1);
    if (last >= 0xD7FF) {
      return new KeyRange(prefix, AFTER_ALL_TEXT, false);
    }
    return new KeyRange(prefix, prefix.substring(0, prefix.length() - 1) + (char) (last + 1), true);
  }

  boolean matches(String key) {
    return exact || key.startsWith(prefix);
  }
}

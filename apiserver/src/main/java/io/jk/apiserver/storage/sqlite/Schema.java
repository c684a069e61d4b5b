package io.jk.apiserver.storage.sqlite;

/**
 * The SQLite layout: one append-only log of revisions ({@code kine}-style) and a small meta table.
 *
 * <p>Each row of {@code log} is one version of a key: its {@code id} is the store revision (the
 * writer assigns them in order), {@code created}/{@code deleted} mark a creation or a tombstone,
 * {@code create_revision} is the revision that created the key, {@code prev_revision} the row this
 * one supersedes (0 for none) and {@code value} the bytes (a tombstone repeats the last value, so a
 * delete event carries it). The current value of a key is its newest row, if that is no tombstone.
 */
final class Schema {

  private Schema() {}

  static final String[] CREATE = {
      "CREATE TABLE IF NOT EXISTS log ("
          + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
          + " name TEXT NOT NULL,"
          + " created INTEGER NOT NULL,"
          + " deleted INTEGER NOT NULL,"
          + " create_revision INTEGER NOT NULL,"
          + " prev_revision INTEGER NOT NULL,"
          + " value BLOB)",
      "CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id)",
      "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)",
  };

  static final String COMPACT_REVISION_KEY = "compact_revision";

  static final String CURRENT_ROW =
      "SELECT id, create_revision, deleted, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1";

  static final String INSERT =
      "INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)";

  static final String MAX_REVISION =
      "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0), COALESCE((SELECT MAX(id) FROM log), 0))";

  static final String READ_COMPACT_REVISION = "SELECT v FROM meta WHERE k = '" + COMPACT_REVISION_KEY + "'";

  static final String WRITE_COMPACT_REVISION =
      "INSERT INTO meta (k, v) VALUES ('" + COMPACT_REVISION_KEY + "', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v";

  /** Rows superseded by a newer row at or below the compaction revision (only newer ones since the last compaction). */
  static final String COMPACT_SUPERSEDED =
      "DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE prev_revision != 0 AND id > ? AND id <= ?)";

  /** Tombstones at or below the compaction revision: the key is absent at every readable revision. */
  static final String COMPACT_TOMBSTONES = "DELETE FROM log WHERE deleted = 1 AND id > ? AND id <= ?";

  /**
   * Live keys under a prefix as of a revision, key order, from a lower bound: the newest row of each
   * name at or below the revision that is no tombstone. It walks the (name, id) index in key order
   * and stops at the limit, so a page costs its own size, not the prefix's. The lower bound is one
   * comparison ({@code >=} the prefix, or {@code >} the continue key) so the index search starts
   * there. Parameters: lower bound, upper bound, revision, revision, limit.
   */
  static final String LIST_FROM = list(">=");

  /** {@link #LIST_FROM} strictly after a key (a continue token). */
  static final String LIST_AFTER = list(">");

  private static String list(String lowerOp) {
    return "SELECT l.id, l.name, l.create_revision, l.value FROM log l"
        + " WHERE l.name " + lowerOp + " ? AND l.name < ? AND l.id <= ? AND l.deleted = 0"
        + " AND l.id = (SELECT MAX(m.id) FROM log m WHERE m.name = l.name AND m.id <= ?)"
        + " ORDER BY l.name LIMIT ?";
  }

  /** The changes in a revision range under a prefix, with the superseded row for prevKv. */
  static final String CHANGES =
      "SELECT l.id, l.name, l.created, l.deleted, l.create_revision, l.value, p.id, p.create_revision, p.value, p.deleted"
          + " FROM log l LEFT JOIN log p ON p.id = l.prev_revision"
          + " WHERE l.id > ? AND l.id <= ? AND l.name >= ? AND l.name < ? ORDER BY l.id LIMIT ?";
}

package io.jk.apiserver.storage;

/** A store operation failed; the subclasses are the outcomes callers act on. */
public class StoreException extends RuntimeException {

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A create found the key already there. */
  public static final class KeyExists extends StoreException {
    public KeyExists(String key) {
      super("key exists: " + key);
    }
  }

  /** The key does not exist. */
  public static final class NotFound extends StoreException {
    public NotFound(String key) {
      super("key not found: " + key);
    }
  }

  /** A compare-and-swap saw another revision; {@link #current()} is what is stored now. */
  public static final class Conflict extends StoreException {
    private final transient KeyValue current;

    public Conflict(String key, KeyValue current) {
      super("revision mismatch on " + key);
      this.current = current;
    }

    public KeyValue current() {
      return current;
    }
  }

  /** The revision asked for is older than the compacted revision. */
  public static final class Compacted extends StoreException {
    private final long requested;
    private final long compacted;

    public Compacted(long requested, long compacted) {
      super("required revision " + requested + " has been compacted (compacted revision " + compacted + ")");
      this.requested = requested;
      this.compacted = compacted;
    }

    public long requested() {
      return requested;
    }

    public long compacted() {
      return compacted;
    }
  }

  /** The revision asked for is newer than the store's current revision. */
  public static final class FutureRevision extends StoreException {
    public FutureRevision(long requested, long current) {
      super("required revision " + requested + " is a future revision (current " + current + ")");
    }
  }
}

package io.jk.scheduler.framework;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-cycle scratch space where plugins keep what they computed in PreFilter/PreScore for
 * their Filter/Score calls. Written only in the single-threaded phases; read concurrently.
 */
public final class CycleState {
  private final Map<String, Object> data = new HashMap<>();
  /** Bit i set: the framework's filter i was skipped by its PreFilter in this cycle. */
  private long skippedFilters;

  /** Marks filter {@code index} (the framework's numbering) as skipped for this cycle. */
  void skipFilter(int index) {
    skippedFilters |= 1L << index;
  }

  /** Whether filter {@code index} was skipped for this cycle. */
  boolean filterSkipped(int index) {
    return (skippedFilters & (1L << index)) != 0;
  }

  /** Stores {@code value} under {@code key} (use the plugin name). */
  public void write(String key, Object value) {
    data.put(key, value);
  }

  /** The value under {@code key}, or null. */
  @SuppressWarnings("unchecked")
  public <T> T read(String key) {
    return (T) data.get(key);
  }
}

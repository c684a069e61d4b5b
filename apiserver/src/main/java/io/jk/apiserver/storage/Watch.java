package io.jk.apiserver.storage;

/** A running {@link Store#watch}. */
public interface Watch extends AutoCloseable {

  /** Ends the watch; no listener call starts after this returns. */
  @Override
  void close();
}

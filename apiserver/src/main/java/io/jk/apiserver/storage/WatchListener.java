package io.jk.apiserver.storage;

import java.util.List;

/** Receives the changes of a {@link Store#watch}. Calls never overlap and must not block. */
public interface WatchListener {

  /** A batch of changes, in revision order. */
  void onEvents(List<WatchEvent> events);

  /** The watch ended because of {@code error} (e.g. {@link StoreException.Compacted}); no more calls follow. */
  void onError(Throwable error);
}

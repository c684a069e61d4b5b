package io.jk.common.workqueue;

import java.time.Duration;

/**
 * Decides how long an item must wait before it is retried, as client-go's
 * {@code workqueue.TypedRateLimiter} does.
 *
 * @param <K> the item type
 */
public interface RateLimiter<K> {

  /** The delay before {@code item} may be processed again; records one more failure. */
  Duration when(K item);

  /** Stops tracking {@code item}: its next failure starts again at the base delay. */
  void forget(K item);

  /** How many times {@code item} has been requeued since it was last forgotten. */
  int numRequeues(K item);
}

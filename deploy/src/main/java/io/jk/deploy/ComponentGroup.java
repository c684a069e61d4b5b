package io.jk.deploy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components of one jk process: started one after another (each when the one before is
 * serving), stopped in reverse order, and watched, so that the first one to die fails
 * {@link #failure()} with {@code "<name>: <reason>"} and the launcher can exit with it.
 */
public final class ComponentGroup {

  private static final Logger LOG = LoggerFactory.getLogger(ComponentGroup.class);

  private final Deque<Component> started = new ArrayDeque<>();
  private final Promise<Void> failure = Promise.promise();

  /** Starts {@code c}; on failure the future fails with {@code "<name> failed to start: <reason>"}. */
  public synchronized Future<Void> start(Component c) {
    LOG.info("Starting component={}", c.name());
    long t0 = System.nanoTime();
    return c.start()
        .recover(e -> Future.failedFuture(new ComponentFailure(c.name() + " failed to start: " + message(e), e)))
        .onSuccess(v -> {
          synchronized (this) {
            started.push(c);
          }
          LOG.info("Started component={} ms={}", c.name(), (System.nanoTime() - t0) / 1_000_000);
          c.terminated().onFailure(e -> {
            LOG.error("Component died component={} err=\"{}\"", c.name(), message(e));
            failure.tryFail(new ComponentFailure(c.name() + ": " + message(e), e));
          });
        })
        .onFailure(e -> {
          // a component that could not start counts as the group's failure as well
          failure.tryFail(e);
        });
  }

  /** Fails when a started component dies (or one fails to start); never completes otherwise. */
  public Future<Void> failure() {
    return failure.future();
  }

  /** Stops every started component, the last started first; errors are logged, not returned. */
  public Future<Void> stopAll() {
    Future<Void> chain = Future.succeededFuture();
    Deque<Component> toStop;
    synchronized (this) {
      toStop = new ArrayDeque<>(started);
      started.clear();
    }
    for (Component c : toStop) {
      chain = chain.compose(v -> c.stop()
          .onSuccess(x -> LOG.info("Stopped component={}", c.name()))
          .recover(e -> {
            LOG.warn("Component did not stop cleanly component={} err=\"{}\"", c.name(), message(e));
            return Future.succeededFuture();
          }));
    }
    return chain;
  }

  static String message(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Why a component failed, with its name in the message. */
  public static final class ComponentFailure extends RuntimeException {
    ComponentFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}

package io.jk.apiserver.storage;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The result of one store call, completed by a backend thread but delivered on the Vert.x
 * context of the caller (so a verticle's callbacks stay on its event loop). A caller without a
 * context gets its callbacks on the backend thread; they must not block.
 *
 * @param <T> the result type
 */
public final class CallerCompletion<T> {

  private final Context context;
  private final Promise<T> promise = Promise.promise();

  private CallerCompletion(Context context) {
    this.context = context;
  }

  /** Captures the calling thread's Vert.x context, if any. */
  public static <T> CallerCompletion<T> forCaller() {
    return new CallerCompletion<>(Vertx.currentContext());
  }

  public Future<T> future() {
    return promise.future();
  }

  public void succeed(T value) {
    if (context == null) {
      promise.tryComplete(value);
    } else {
      context.runOnContext(v -> promise.tryComplete(value));
    }
  }

  public void fail(Throwable error) {
    if (context == null) {
      promise.tryFail(error);
    } else {
      context.runOnContext(v -> promise.tryFail(error));
    }
  }
}

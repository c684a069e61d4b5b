package io.jk.deploy.server;

import io.jk.apiserver.server.ApiServerCommand;
import io.jk.deploy.Component;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server as a {@link Component}: started from its command's flags, and watched through
 * its store. When the store stops answering (etcd gone, SQLite file unusable) for longer than
 * the allowed outage, {@link #terminated()} fails, so that {@code jk server} exits with the reason
 * instead of serving errors forever.
 */
final class ApiServerComponent implements Component {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServerComponent.class);
  private static final long PROBE_INTERVAL_MS = 1000;
  private static final long PROBE_TIMEOUT_MS = 2000;

  private final Vertx vertx;
  private final ApiServerCommand command;
  private final long maxOutageMs;
  private final Promise<Void> terminated = Promise.promise();
  private volatile ApiServerCommand.Running running;
  private long timer = -1;
  private long failingSince = -1;

  ApiServerComponent(Vertx vertx, ApiServerCommand command, long maxOutageMs) {
    this.vertx = vertx;
    this.command = command;
    this.maxOutageMs = maxOutageMs;
  }

  @Override
  public String name() {
    return "apiserver";
  }

  /** The admin kubeconfig the API server wrote (after start). */
  Path adminKubeconfig() {
    return running.adminKubeconfig();
  }

  /** The port the API server listens on (after start). */
  int port() {
    return running.server().port();
  }

  @Override
  public Future<Void> start() {
    return vertx.<ApiServerCommand.Running>executeBlocking(() -> command.start(vertx), false)
        .map(r -> {
          running = r;
          timer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> probe());
          return null;
        });
  }

  private void probe() {
    running.store().currentRevision()
        .timeout(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onSuccess(rev -> {
          if (failingSince >= 0) {
            LOG.info("Store reachable again revision={}", rev);
          }
          failingSince = -1;
        })
        .onFailure(e -> {
          long now = System.currentTimeMillis();
          if (failingSince < 0) {
            failingSince = now;
            LOG.warn("Store not answering err=\"{}\"", e.getMessage());
          } else if (now - failingSince >= maxOutageMs) {
            terminated.tryFail("the store has not answered for " + (now - failingSince) / 1000 + "s: " + e.getMessage());
          }
        });
  }

  @Override
  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return running == null ? Future.succeededFuture() : running.stop();
  }

  @Override
  public Future<Void> terminated() {
    return terminated.future();
  }
}

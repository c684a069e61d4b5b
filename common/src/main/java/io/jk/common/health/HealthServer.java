package io.jk.common.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.function.BooleanSupplier;

/** Serves, for every jk component, {@code /healthz} ("ok") and {@code /metrics} (Prometheus text) over plain HTTP. */
public final class HealthServer {
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier healthy;
  private HttpServer server;

  /** A server answering healthz from {@code healthy} and metrics from {@code registry}. */
  public HealthServer(Vertx vertx, PrometheusMeterRegistry registry, BooleanSupplier healthy) {
    this.vertx = vertx;
    this.registry = registry;
    this.healthy = healthy;
  }

  /** Listens on {@code host:port} (0 picks a free port). */
  public Future<Integer> start(String host, int port) {
    server = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/healthz", "/livez", "/readyz" -> {
          boolean ok = healthy.getAsBoolean();
          req.response().setStatusCode(ok ? 200 : 500)
              .putHeader("content-type", "text/plain").end(ok ? "ok" : "unhealthy");
        }
        case "/metrics" -> vertx.executeBlocking(() -> registry.scrape(), false).onComplete(ar ->
            req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(ar.succeeded() ? ar.result() : ""));
        default -> req.response().setStatusCode(404).end("not found");
      }
    });
    return server.listen(port, host).map(HttpServer::actualPort);
  }

  /** Stops listening. */
  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

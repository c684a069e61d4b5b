package io.jk.apiserver.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.proxy.KubeletAddress;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.time.Duration;

/**
 * Fetches {@code GET /stats/summary} from kubelets over HTTPS with the API server's kubelet client
 * credentials (the same ones {@code nodes/proxy}, logs and exec use), with one deadline covering
 * connect and answer.
 */
public final class KubeletStatsClient {

  /** Largest summary document read (a node with hundreds of pods stays far below). */
  private static final int MAX_BYTES = 16 * 1024 * 1024;

  private final HttpClient http;
  private final Duration timeout;
  private final Vertx vertx;

  /**
   * A client on {@code vertx} presenting {@code creds} ({@code null}: no client certificate and
   * kubelet serving certificates not checked), giving up on a kubelet after {@code timeout}.
   */
  public KubeletStatsClient(Vertx vertx, KubeletClientCredentials creds, Duration timeout) {
    this.timeout = timeout;
    this.vertx = vertx;
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setConnectTimeout((int) timeout.toMillis()).setMaxPoolSize(16).setIdleTimeout(30);
    KubeletClientCredentials.applyTo(creds, o);
    this.http = vertx.createHttpClient(o);
  }

  /**
   * The summary of the kubelet at {@code address} with CPU rates: a kubelet computes
   * {@code usageNanoCores} from its previous sample, so when the node has none yet (the first ask
   * since the kubelet started) it is asked once more after {@code retryDelay}.
   */
  public Future<JsonNode> summaryWithRates(KubeletAddress address, Duration retryDelay) {
    return summary(address).compose(doc -> {
      if (doc.path("node").path("cpu").has("usageNanoCores")) {
        return Future.succeededFuture(doc);
      }
      return vertx.timer(retryDelay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .compose(v -> summary(address));
    });
  }

  /** The summary document of the kubelet at {@code address}; fails on timeout, non-200 or bad JSON. */
  public Future<JsonNode> summary(KubeletAddress address) {
    RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setHost(address.host())
        .setPort(address.port()).setURI("/stats/summary").setIdleTimeout(timeout.toMillis())
        .putHeader("Accept", "application/json");
    // the body is read inside the send's callback, not chained after it (vert.x#4705)
    return http.request(req).compose(r -> r.send().compose(resp -> {
      if (resp.statusCode() != 200) {
        resp.end();
        return Future.failedFuture(new IOException("kubelet answered " + resp.statusCode()));
      }
      String len = resp.getHeader("Content-Length");
      if (len != null && len.length() < 12 && Long.parseLong(len.trim()) > MAX_BYTES) {
        return Future.failedFuture(new IOException("summary too large"));
      }
      return resp.body();
    })).compose(body -> {
      try {
        return Future.succeededFuture(Json.mapper().readTree(body.getBytes()));
      } catch (IOException e) {
        return Future.failedFuture(e);
      }
    }).timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Closes the connections. */
  public Future<Void> close() {
    return http.close();
  }
}

package io.jk.scheduler.hollow;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Single-request writes on the client's asynchronous HTTP transport: fabric8's DSL may read
 * before it patches, and blocks a thread per call; hollow nodes send thousands of writes.
 */
final class RawApi {
  private final HttpClient http;
  private final String base;
  private final Semaphore inFlight = new Semaphore(64);

  RawApi(KubernetesClient client) {
    this.http = client.getHttpClient();
    String url = client.getMasterUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A merge patch; completes with the HTTP status code (0 on transport failure). */
  CompletableFuture<Integer> mergePatch(String path, String body) {
    return send(http.newHttpRequestBuilder().uri(base + path)
        .method("PATCH", "application/merge-patch+json", body).build());
  }

  /** A delete with a body (DeleteOptions); completes with the HTTP status code. */
  CompletableFuture<Integer> delete(String path, String body) {
    return send(http.newHttpRequestBuilder().uri(base + path)
        .method("DELETE", "application/json", body).build());
  }

  private CompletableFuture<Integer> send(HttpRequest req) {
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.completedFuture(0);
    }
    return http.sendAsync(req, String.class)
        .handle((r, e) -> {
          inFlight.release();
          return e != null ? 0 : r.code();
        });
  }
}

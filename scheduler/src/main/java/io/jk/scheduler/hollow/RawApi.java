package io.jk.scheduler.hollow;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Single-request writes on the client's asynchronous HTTP transport: fabric8's DSL may read
 * before it patches, and blocks a thread per call; hollow nodes send thousands of writes.
 *
 * <p>At most {@code maxInFlight} requests are outstanding; the rest wait in FIFO order without
 * blocking the caller (the pod informer's thread). A write to an object that is still waiting
 * is replaced by the newer one, as a kubelet's status manager sends only a pod's latest status
 * and a late lease renewal is superseded by the next: both callers' futures complete with the
 * one request's result.
 */
final class RawApi {
  private final HttpClient http;
  private final String base;
  private final int maxInFlight;
  /** Guarded by {@code this}. */
  private int inFlight;
  /** Waiting writes by method and path, oldest first. Guarded by {@code this}. */
  private final LinkedHashMap<String, Pending> waiting = new LinkedHashMap<>();
  /** Guarded by {@code this}. */
  private boolean closed;

  private record Pending(HttpRequest request, List<CompletableFuture<Integer>> callers) {}

  RawApi(KubernetesClient client, int maxInFlight) {
    this.http = client.getHttpClient();
    String url = client.getMasterUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.maxInFlight = maxInFlight;
  }

  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A merge patch; completes with the HTTP status code (0 on transport failure). */
  CompletableFuture<Integer> mergePatch(String path, String body) {
    return submit("PATCH " + path, http.newHttpRequestBuilder().uri(base + path)
        .method("PATCH", "application/merge-patch+json", body).build());
  }

  /** A delete with a body (DeleteOptions); completes with the HTTP status code. */
  CompletableFuture<Integer> delete(String path, String body) {
    return submit("DELETE " + path, http.newHttpRequestBuilder().uri(base + path)
        .method("DELETE", "application/json", body).build());
  }

  /**
   * Drops the waiting writes (their callers see status 0); writes already sent finish. Later
   * writes are dropped too.
   */
  void close() {
    List<Pending> dropped;
    synchronized (this) {
      closed = true;
      dropped = new ArrayList<>(waiting.values());
      waiting.clear();
    }
    dropped.forEach(p -> p.callers().forEach(f -> f.complete(0)));
  }

  /** Requests waiting for a free slot (for tests and diagnostics). */
  synchronized int waiting() {
    return waiting.size();
  }

  private CompletableFuture<Integer> submit(String key, HttpRequest req) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    List<CompletableFuture<Integer>> callers;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.completedFuture(0);
      }
      Pending p = waiting.get(key);
      if (p != null) {
        p.callers().add(done);
        waiting.put(key, new Pending(req, p.callers())); // keeps its place in line
        return done;
      }
      callers = new ArrayList<>(List.of(done));
      if (inFlight >= maxInFlight) {
        waiting.put(key, new Pending(req, callers));
        return done;
      }
      inFlight++;
    }
    send(req, callers);
    return done;
  }

  private void send(HttpRequest req, List<CompletableFuture<Integer>> callers) {
    CompletableFuture<Integer> code;
    try {
      code = http.sendAsync(req, String.class).handle((r, e) -> e != null ? 0 : r.code());
    } catch (RuntimeException e) { // the client is closed
      code = CompletableFuture.completedFuture(0);
    }
    code.thenAccept(c -> {
      callers.forEach(f -> f.complete(c));
      next();
    });
  }

  private void next() {
    Pending p;
    synchronized (this) {
      Iterator<Map.Entry<String, Pending>> it = waiting.entrySet().iterator();
      if (!it.hasNext()) {
        inFlight--;
        return;
      }
      p = it.next().getValue();
      it.remove();
    }
    send(p.request(), p.callers());
  }
}

package io.jk.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import io.jk.apiserver.storage.Store;
import io.jk.common.json.Json;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** An API server on a temporary SQLite store and a plain HTTP client for it, for HTTP-level tests. */
final class ServerFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final Path dir = Files.createTempDirectory("jk-apiserver-test");
  final Store store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
  final ApiServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ServerFixture() throws Exception {
    this(c -> c);
  }

  ServerFixture(UnaryOperator<ApiServerConfig> customize) throws Exception {
    server = new ApiServer(vertx, customize.apply(ApiServerConfig.defaults()), store);
    server.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  /** A response with its body parsed as JSON (null when not JSON). */
  record Res(int code, JsonNode json, String text, HttpResponse<String> raw) {
    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  Res send(String method, String path, String contentType, String body, String accept) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (accept != null) {
      b.header("Accept", accept);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = null;
    try {
      json = Json.mapper().readTree(r.body());
    } catch (IOException e) {
      // not JSON
    }
    return new Res(r.statusCode(), json, r.body(), r);
  }

  Res get(String path) throws IOException, InterruptedException {
    return send("GET", path, null, null, "application/json");
  }

  Res post(String path, String json) throws IOException, InterruptedException {
    return send("POST", path, "application/json", json, "application/json");
  }

  Res put(String path, String json) throws IOException, InterruptedException {
    return send("PUT", path, "application/json", json, "application/json");
  }

  Res patch(String path, String type, String json) throws IOException, InterruptedException {
    return send("PATCH", path, type, json, "application/json");
  }

  Res delete(String path, String json) throws IOException, InterruptedException {
    return send("DELETE", path, json == null ? null : "application/json", json, "application/json");
  }

  @Override
  public void close() throws Exception {
    server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

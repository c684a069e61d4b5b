package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.common.json.Json;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real API server on a temporary SQLite store (plain HTTP on loopback, no authentication), a
 * JSON HTTP client and the real {@code kubectl} pointed at it; {@link #close()} removes it all.
 */
public final class LiveServer implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Path dir;
  private final Store store;
  private final ApiServer server;
  private final Path kubeconfig;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** A response: status code and body (parsed when JSON). */
  public record Res(int code, String body) {
    /** The body as JSON. */
    public JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  /** The output and exit code of one kubectl run. */
  public record Run(int exit, String out) {}

  /** Starts a server with the default configuration. */
  public LiveServer() throws Exception {
    dir = Files.createTempDirectory("jk-live-apiserver");
    store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
    server = new ApiServer(vertx, ApiServerConfig.defaults(), store);
    server.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n", "apiVersion: v1", "kind: Config",
        "clusters:", "- name: t", "  cluster: {server: \"" + url("") + "\"}", "users:", "- name: u", "  user: {}",
        "contexts:", "- name: t", "  context: {cluster: t, user: u, namespace: default}", "current-context: t", ""));
  }

  /** Whether the real kubectl is installed. */
  public static boolean hasKubectl() {
    return Files.isExecutable(Path.of("/usr/bin/kubectl"));
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  /** Sends a JSON request. */
  public Res send(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body());
  }

  /** Sends a PATCH with {@code contentType} (e.g. {@code application/merge-patch+json}). */
  public Res sendPatch(String path, String contentType, String patch) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", contentType).header("Accept", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(patch)).build();
    HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
    return new Res(res.statusCode(), res.body());
  }

  /** Runs kubectl with {@code args} (and {@code stdin} when not null) against this server. */
  public Run kubectl(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + args[0] + " did not finish");
    }
    return new Run(p.exitValue(), out);
  }

  @Override
  public void close() throws Exception {
    server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}

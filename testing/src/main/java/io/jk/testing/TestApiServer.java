package io.jk.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.common.client.Clients;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An in-process jk API server for tests: a temporary store, plain HTTP on a free loopback port,
 * a fabric8 client and a kubeconfig the real {@code kubectl} can use.
 *
 * <pre>{@code
 * try (TestApiServer api = TestApiServer.start()) {
 *   api.client().pods().inNamespace("default").resource(pod).create();
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the server and removes every file it made.
 */
public final class TestApiServer implements AutoCloseable {

  private final Path dir;
  private final Vertx vertx;
  private final Store store;
  private final ApiServer server;
  private final Path kubeconfig;
  private final List<KubernetesClient> clients = new ArrayList<>();

  private TestApiServer(Path dir, Vertx vertx, Store store, ApiServer server) throws IOException {
    this.dir = dir;
    this.vertx = vertx;
    this.store = store;
    this.server = server;
    this.kubeconfig = dir.resolve("admin.kubeconfig");
    Files.writeString(kubeconfig, String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: jk-test",
        "  cluster:",
        "    server: " + url(),
        "users:",
        "- name: admin",
        "  user: {token: test-admin}",
        "contexts:",
        "- name: jk-test",
        "  context: {cluster: jk-test, user: admin, namespace: default}",
        "current-context: jk-test",
        ""));
  }

  /** Starts a server with the default configuration. */
  public static TestApiServer start() {
    return start(c -> c);
  }

  /** Starts a server whose configuration {@code customize} may change (the listen address is always loopback). */
  public static TestApiServer start(UnaryOperator<ApiServerConfig> customize) {
    Path dir;
    try {
      dir = Files.createTempDirectory("jk-test-apiserver");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Vertx vertx = Vertx.vertx();
    Store store = TestStores.open(dir);
    ApiServerConfig config = customize.apply(ApiServerConfig.defaults()).withListen("127.0.0.1", 0);
    ApiServer server = new ApiServer(vertx, config, store);
    try {
      server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new TestApiServer(dir, vertx, store, server);
    } catch (Exception e) {
      store.close();
      vertx.close();
      deleteTree(dir);
      throw new IllegalStateException("test API server did not start: " + e.getMessage(), e);
    }
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return "http://127.0.0.1:" + server.port();
  }

  /** A kubeconfig file for this server (for {@code kubectl --kubeconfig}). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A new fabric8 client for this server, closed with the server. */
  public synchronized KubernetesClient client() {
    KubernetesClient c = Clients.fromKubeconfig(kubeconfig);
    clients.add(c);
    return c;
  }

  /** The server itself. */
  public ApiServer server() {
    return server;
  }

  /** The store under the server. */
  public Store store() {
    return store;
  }

  /** The server's temporary directory. */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    synchronized (this) {
      clients.forEach(KubernetesClient::close);
      clients.clear();
    }
    try {
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    store.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: the directory is under the system temp directory
    }
  }
}

package io.jk.scheduler.informer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.jk.common.json.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A list+watch cache of one resource, for the scheduler's and hollow nodes' hottest stream
 * (every pod event). It does what fabric8's informer does with less CPU: fabric8's HTTP watch
 * appends each character to a synchronized StringBuffer and decodes every object twice (to a
 * tree to find its kind, then to the class); here the event loop only cuts lines of bytes, and
 * one decoding thread per informer reads each line straight into {@code type} (skipping
 * {@code metadata.managedFields}) and calls the handler, in stream order.
 *
 * <p>Semantics are client-go's reflector: list (paged), then watch from the list's
 * resourceVersion with bookmarks; a stream that ends is resumed from the last version seen; a
 * 410 Gone (compacted version) re-lists and reconciles the store (adds, updates, deletes for
 * what vanished). Handlers run on the decoding thread and must not block for long.
 *
 * @param <T> the object class, decoded with the shared {@link Json#mapper()}
 */
public final class LeanInformer<T extends HasMetadata> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeanInformer.class);
  private static final int PAGE = 1000;
  /**
   * The shared mapper (same limits and settings) reading objects without
   * {@code metadata.managedFields}: no consumer of these informers reads them (kube-scheduler
   * strips them from its informers too), and skipping them in the parser saves building a
   * tree of field sets for every pod of every event.
   */
  private static final ObjectMapper WITHOUT_MANAGED_FIELDS = Json.mapper().copy()
      .addMixIn(ObjectMeta.class, IgnoreManagedFields.class);

  @JsonIgnoreProperties({"managedFields"})
  private abstract static class IgnoreManagedFields {}

  /** Called on the informer's thread, in event order. */
  public interface Handler<T> {
    /** An object appeared (listed or ADDED). */
    void onAdd(T obj);

    /** An object changed; {@code old} is the previous cached state. */
    void onUpdate(T old, T obj);

    /** An object went away (DELETED, or missing from a re-list). */
    void onDelete(T obj);
  }

  private final HttpClient http;
  private final String url;
  private final Class<T> type;
  private final ObjectReader reader;
  private final Handler<T> handler;
  private final String name;
  private final Map<String, T> store = new ConcurrentHashMap<>();
  private final ExecutorService decoder;
  private volatile String resourceVersion;
  private volatile AsyncBody body;
  private volatile boolean closed;
  /** Set by an ERROR 410 event: the stream's end re-lists instead of resuming. */
  private volatile boolean expired;

  private final int watchTimeoutSeconds;

  private LeanInformer(KubernetesClient client, String path, Class<T> type, Handler<T> handler,
      int watchTimeoutSeconds, Map<Class<?>, Set<String>> ignored) {
    this.watchTimeoutSeconds = watchTimeoutSeconds;
    this.http = client.getHttpClient();
    String base = client.getMasterUrl().toString();
    this.url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    this.type = type;
    this.reader = readerFor(type, ignored);
    this.handler = handler;
    this.name = type.getSimpleName();
    this.decoder = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lean-informer-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Lists {@code path} (a collection URL such as {@code /api/v1/pods}), calls
   * {@code handler.onAdd} for each object, and starts watching; returns once the list is in.
   *
   * @throws IllegalStateException when the first list fails
   */
  public static <T extends HasMetadata> LeanInformer<T> start(KubernetesClient client,
      String path, Class<T> type, Handler<T> handler) {
    return start(client, path, type, handler, 240, Map.of());
  }

  /**
   * As {@link #start(KubernetesClient, String, Class, Handler)}, also leaving out, for each
   * class in {@code ignored}, the named properties its consumer never reads (the parser skips
   * them instead of building objects).
   */
  public static <T extends HasMetadata> LeanInformer<T> start(KubernetesClient client,
      String path, Class<T> type, Handler<T> handler, Map<Class<?>, Set<String>> ignored) {
    return start(client, path, type, handler, 240, ignored);
  }

  private static ObjectReader readerFor(Class<?> type, Map<Class<?>, Set<String>> ignored) {
    if (ignored.isEmpty()) {
      return WITHOUT_MANAGED_FIELDS.readerFor(type);
    }
    ObjectMapper m = WITHOUT_MANAGED_FIELDS.copy();
    ignored.forEach((cls, fields) -> m.configOverride(cls).setIgnorals(
        com.fasterxml.jackson.annotation.JsonIgnoreProperties.Value.forIgnoredProperties(fields)
            .withIgnoreUnknown()));
    return m.readerFor(type);
  }

  /** As {@link #start(KubernetesClient, String, Class, Handler)}, with streams of about
   * {@code watchTimeoutSeconds} (tests use short ones to exercise resuming). */
  static <T extends HasMetadata> LeanInformer<T> start(KubernetesClient client,
      String path, Class<T> type, Handler<T> handler, int watchTimeoutSeconds) {
    return start(client, path, type, handler, watchTimeoutSeconds, Map.of());
  }

  private static <T extends HasMetadata> LeanInformer<T> start(KubernetesClient client,
      String path, Class<T> type, Handler<T> handler, int watchTimeoutSeconds,
      Map<Class<?>, Set<String>> ignored) {
    LeanInformer<T> inf = new LeanInformer<>(client, path, type, handler, watchTimeoutSeconds,
        ignored);
    try {
      inf.decoder.submit(() -> {
        inf.relist();
        return null;
      }).get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      inf.close();
      throw new IllegalStateException("cannot list " + path + ": " + e.getMessage(), e);
    }
    inf.watch();
    return inf;
  }

  /** The cached objects. */
  public List<T> list() {
    return new ArrayList<>(store.values());
  }

  /** The cached object with this namespace (null when cluster-scoped) and name, or null. */
  public T get(String namespace, String objName) {
    return store.get(namespace == null ? objName : namespace + "/" + objName);
  }

  private static String key(ObjectMeta m) {
    return m.getNamespace() == null || m.getNamespace().isEmpty() ? m.getName()
        : m.getNamespace() + "/" + m.getName();
  }

  /** Lists every page and reconciles the store with it. Runs on the decoder thread. */
  private void relist() throws Exception {
    Set<String> seen = new HashSet<>();
    String cont = null;
    String rv;
    do {
      String u = url + "?limit=" + PAGE
          + (cont == null ? "" : "&continue=" + URLEncoder.encode(cont, StandardCharsets.UTF_8));
      HttpResponse<byte[]> resp = http.sendAsync(http.newHttpRequestBuilder().uri(u).build(),
          byte[].class).get(60, TimeUnit.SECONDS);
      if (resp.code() != 200) {
        throw new IOException("list " + u + ": HTTP " + resp.code());
      }
      Page page = parsePage(resp.body(), seen);
      cont = page.cont();
      rv = page.resourceVersion();
    } while (cont != null && !cont.isEmpty());
    for (var e : new ArrayList<>(store.entrySet())) {
      if (!seen.contains(e.getKey()) && store.remove(e.getKey(), e.getValue())) {
        handler.onDelete(e.getValue());
      }
    }
    resourceVersion = rv;
  }

  private record Page(String resourceVersion, String cont) {}

  private Page parsePage(byte[] json, Set<String> seen) throws IOException {
    String rv = null;
    String cont = null;
    try (JsonParser p = Json.mapper().getFactory().createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("metadata".equals(field)) {
          JsonNode meta = p.readValueAsTree();
          rv = meta.path("resourceVersion").asText(null);
          cont = meta.path("continue").asText(null);
        } else if ("items".equals(field) && p.currentToken() == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            T obj = reader.readValue(p);
            seen.add(key(obj.getMetadata()));
            apply(obj);
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return new Page(rv, cont);
  }

  private static void expect(JsonToken got, JsonToken want) throws IOException {
    if (got != want) {
      throw new IOException("expected " + want + ", got " + got);
    }
  }

  private void apply(T obj) {
    T old = store.put(key(obj.getMetadata()), obj);
    if (old == null) {
      handler.onAdd(obj);
    } else {
      handler.onUpdate(old, obj);
    }
  }

  private void watch() {
    if (closed) {
      return;
    }
    // The server ends the stream after timeoutSeconds (spread so informers do not reconnect
    // together); the watch then resumes from the last version seen.
    long timeout = watchTimeoutSeconds
        + ThreadLocalRandom.current().nextInt(Math.max(1, watchTimeoutSeconds / 2));
    String u = url + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" + timeout
        + "&resourceVersion=" + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8);
    HttpRequest req = http.newHttpRequestBuilder().uri(u).build();
    LineSplitter lines = new LineSplitter(line -> run(() -> onLine(line)));
    CompletableFuture<HttpResponse<AsyncBody>> f;
    try {
      f = http.consumeBytes(req, (List<ByteBuffer> bufs, AsyncBody b) -> {
        for (ByteBuffer buf : bufs) {
          lines.feed(buf);
        }
        b.consume();
      });
    } catch (RuntimeException e) { // a closed client: keep trying, as fabric8's informers do
      retryLater("watch cannot start: " + e.getMessage());
      return;
    }
    f.whenComplete((resp, err) -> {
      if (err != null) {
        retryLater("watch failed: " + err.getMessage());
        return;
      }
      if (resp.code() == 410) {
        relistThenWatch();
        return;
      }
      if (resp.code() != 200) {
        resp.body().cancel();
        retryLater("watch answered HTTP " + resp.code());
        return;
      }
      body = resp.body();
      resp.body().consume();
      // Resume once every line of this stream has been handled.
      resp.body().done().whenComplete((v, e) -> {
        if (!closed) {
          run(this::resume);
        }
      });
    });
  }

  /** Runs {@code task} on the decoder thread unless closed. */
  private void run(Runnable task) {
    if (closed) {
      return;
    }
    try {
      decoder.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  /** After a stream ends: watch again from the last version, or re-list if it expired. */
  private void resume() {
    if (expired) {
      expired = false;
      relistThenWatch();
    } else {
      watch();
    }
  }

  private void retryLater(String why) {
    if (closed) {
      return;
    }
    LOG.debug("Watch restarting type={} reason=\"{}\"", name, why);
    CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> {
      if (!closed) {
        run(this::watch);
      }
    });
  }

  private void relistThenWatch() {
    if (closed) {
      return;
    }
    run(() -> {
      try {
        relist();
        watch();
      } catch (Exception e) {
        LOG.warn("Re-list failed type={} err=\"{}\"", name, e.getMessage());
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(this::relistThenWatch);
      }
    });
  }

  /** Handles one watch event line. Runs on the decoder thread. */
  private void onLine(byte[] line) {
    if (closed) {
      return;
    }
    try (JsonParser p = Json.mapper().getFactory().createParser(line)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      String evType = null;
      T obj = null;
      JsonNode status = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("type".equals(field)) {
          evType = p.getText();
        } else if ("object".equals(field) && !"ERROR".equals(evType)) {
          obj = reader.readValue(p);
        } else if ("object".equals(field)) {
          status = p.readValueAsTree();
        } else {
          p.skipChildren();
        }
      }
      if ("ERROR".equals(evType)) {
        int code = status == null ? 0 : status.path("code").asInt();
        LOG.debug("Watch error type={} code={}", name, code);
        expired = code == 410;
        cancelStream(); // the stream's end resumes (or, when expired, re-lists)
        return;
      }
      if (obj == null || evType == null) {
        return;
      }
      String rv = obj.getMetadata() == null ? null : obj.getMetadata().getResourceVersion();
      switch (evType) {
        case "ADDED", "MODIFIED" -> apply(obj);
        case "DELETED" -> {
          T old = store.remove(key(obj.getMetadata()));
          handler.onDelete(old != null ? old : obj);
        }
        default -> { } // BOOKMARK: only the version moves
      }
      if (rv != null) {
        resourceVersion = rv;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot handle watch event type={} err=\"{}\"", name, e.getMessage());
    }
  }

  /** Stops watching; handlers are no longer called. */
  @Override
  public void close() {
    closed = true;
    cancelStream();
    decoder.shutdownNow();
  }

  private void cancelStream() {
    AsyncBody b = body;
    if (b != null) {
      try {
        b.cancel();
      } catch (RuntimeException e) { // the client is already closed: nothing to cancel
        LOG.debug("Watch cancel failed type={} err=\"{}\"", name, e.getMessage());
      }
    }
  }
}

package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.jk.common.json.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves watch requests as a chunked HTTP stream of {@code WatchEvent} JSON lines (one write
 * and flush per watcher for all the events that arrive within one event-loop turn), with Kubernetes' semantics: {@code resourceVersion} unset or {@code 0} first sends
 * ADDED for the current state; {@code N} sends changes after N (an ERROR 410 event when N is
 * compacted); objects entering or leaving the selector are seen as ADDED or DELETED; BOOKMARK
 * events with {@code allowWatchBookmarks}; the stream ends after {@code timeoutSeconds}.
 *
 * <p>Events come from {@link Store#watch}, so a caching store serves every watcher from one
 * upstream watch.
 */
public final class Watches {

  private static final Logger LOG = LoggerFactory.getLogger(Watches.class);

  private final Store store;
  private final long bookmarkIntervalMs;
  /**
   * Each stored version decoded and serialized once, shared by every watcher (bounded, cleared when
   * full). Keyed by the event's {@link KeyValue} itself: every watcher gets the same instances.
   */
  private final Map<KeyValue, Decoded> decoded = new ConcurrentHashMap<>();
  private static final int DECODED_MAX = 4096;
  private static final byte[][] HEADS = {head("ADDED"), head("MODIFIED"), head("DELETED")};
  private static final byte[] TAIL = "}\n".getBytes(StandardCharsets.UTF_8);

  /**
   * An object version as a read-only tree, as its JSON bytes, and as a whole watch event line
   * per event type (built on first use and then shared by every watcher).
   */
  private static final class Decoded {
    final ObjectNode obj;
    final byte[] json;
    final byte[][] frames = new byte[3][];

    Decoded(ObjectNode obj, byte[] json) {
      this.obj = obj;
      this.json = json;
    }

    ObjectNode obj() {
      return obj;
    }

    /** The event line {@code {"type":T,"object":...}\n}; a benign race may build it twice. */
    byte[] frame(int type) {
      byte[] f = frames[type];
      if (f == null) {
        byte[] head = HEADS[type];
        f = new byte[head.length + json.length + TAIL.length];
        System.arraycopy(head, 0, f, 0, head.length);
        System.arraycopy(json, 0, f, head.length, json.length);
        System.arraycopy(TAIL, 0, f, head.length + json.length, TAIL.length);
        frames[type] = f;
      }
      return f;
    }
  }

  private static byte[] head(String type) {
    return ("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.UTF_8);
  }

  private Decoded decodedOf(KeyValue kv) {
    Decoded d = decoded.get(kv);
    if (d == null) {
      ObjectNode o = Objects.decode(kv.value(), kv.modRevision());
      try {
        d = new Decoded(o, Json.mapper().writeValueAsBytes(o));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      if (decoded.size() >= DECODED_MAX) {
        decoded.clear();
      }
      decoded.put(kv, d);
    }
    return d;
  }

  private final AtomicInteger active = new AtomicInteger();
  /** One delivery queue per event loop, so an event costs one task per loop rather than one per watcher. */
  private final Map<Context, LoopQueue> loops = new ConcurrentHashMap<>();

  /**
   * Runs delivery work on one event loop in submission order, scheduling one task per burst. A
   * turn runs at most {@link #TURN_TASKS} tasks and then yields, so that a steady stream of events
   * cannot keep the loop from reading requests (and from accepting new watchers).
   */
  private static final class LoopQueue {
    static final int TURN_TASKS = 2048;
    final Context context;
    final java.util.concurrent.ConcurrentLinkedQueue<Runnable> work = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();

    LoopQueue(Context context) {
      this.context = context;
    }

    void submit(Runnable r) {
      work.add(r);
      if (scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }

    private void drain() {
      scheduled.set(false);
      int n = 0;
      for (Runnable r = work.poll(); r != null; r = n < TURN_TASKS ? work.poll() : null) {
        n++;
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("Watch delivery failed err=\"{}\"", e.toString());
        }
      }
      if (!work.isEmpty() && scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }
  }

  public Watches(Store store, long bookmarkIntervalMs, MeterRegistry registry) {
    this.store = store;
    this.bookmarkIntervalMs = bookmarkIntervalMs;
    if (registry != null) {
      registry.gauge("apiserver_registered_watchers", active);
    }
  }

  /** Number of open watch streams. */
  public int active() {
    return active.get();
  }

  /** Starts serving a watch on {@code ctx}; the response stays open until timeout or disconnect. */
  public void serve(RoutingContext ctx, RequestInfo info, ResourceStrategy strategy) {
    Predicate<ObjectNode> filter = Reads.filter(ctx, info, strategy);
    String rvParam = ctx.queryParams().get("resourceVersion");
    long timeout = ctx.queryParams().get("timeoutSeconds") == null ? 0
        : DeleteOptions.parseLong(ctx.queryParams().get("timeoutSeconds"), "timeoutSeconds");
    boolean bookmarks = "true".equals(ctx.queryParams().get("allowWatchBookmarks"));
    boolean table = Tables.wanted(ctx.request().getHeader("Accept"));
    String includeObject = ctx.queryParams().get("includeObject");
    long fromRv = rvParam == null || rvParam.isEmpty() || rvParam.equals("0") ? -1
        : DeleteOptions.parseLong(rvParam, "resourceVersion");
    // without selectors only the namespace filters, and an update cannot change it: the previous
    // version need not be decoded to tell MODIFIED from ADDED/DELETED
    boolean selectorFree = isBlank(ctx.queryParams().get("labelSelector")) && isBlank(ctx.queryParams().get("fieldSelector"));
    Session s = new Session(ctx, info, strategy, filter, selectorFree, table, includeObject);
    if (fromRv >= 0) {
      s.start(fromRv, timeout, bookmarks);
      return;
    }
    store.list(info.collectionPrefix(), null, 0, 0).onComplete(ar -> {
      if (ar.failed()) {
        HttpReplies.fail(ctx, ar.cause());
        return;
      }
      s.context.runOnContext(v -> {
        s.open();
        for (KeyValue kv : ar.result().items()) {
          ObjectNode o = Objects.decode(kv);
          if (filter.test(o)) {
            s.send("ADDED", o);
          }
        }
        s.start(ar.result().revision(), timeout, bookmarks);
      });
    });
  }

  /** One client's watch stream. */
  private final class Session implements WatchListener {
    final RoutingContext ctx;
    final RequestInfo info;
    final ResourceStrategy strategy;
    final Predicate<ObjectNode> filter;
    final boolean selectorFree;
    final boolean table;
    final String includeObject;
    final Context context;
    final LoopQueue loop;
    final HttpServerResponse response;
    volatile Watch watch;
    volatile boolean closed;
    boolean opened;
    boolean columnsSent;
    long lastRevision;
    long bookmarkTimer = -1;
    long timeoutTimer = -1;
    /** Events not yet written, and whether a flush is queued on the loop (guarded by this). */
    private List<WatchEvent> pending;
    private boolean flushQueued;

    Session(RoutingContext ctx, RequestInfo info, ResourceStrategy strategy, Predicate<ObjectNode> filter,
        boolean selectorFree, boolean table, String includeObject) {
      this.ctx = ctx;
      this.info = info;
      this.strategy = strategy;
      this.filter = filter;
      this.selectorFree = selectorFree;
      this.table = table;
      this.includeObject = includeObject;
      this.context = Vertx.currentContext();
      // keyed by the event loop's root context: each request runs on its own duplicate of it
      this.loop = loops.computeIfAbsent(((io.vertx.core.impl.ContextInternal) context).unwrap(), LoopQueue::new);
      this.response = ctx.response();
    }

    void open() {
      if (opened || closed) {
        return;
      }
      if (response.closed() || response.ended()) {
        // the client went away before the stream started
        closed = true;
        return;
      }
      opened = true;
      active.incrementAndGet();
      response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-cache, private");
      response.writeHead();
      response.closeHandler(v -> close());
      response.exceptionHandler(e -> close());
    }

    void start(long afterRevision, long timeoutSeconds, boolean bookmarks) {
      open();
      if (closed) {
        return;
      }
      lastRevision = afterRevision;
      Vertx vertx = ctx.vertx();
      if (timeoutSeconds > 0) {
        timeoutTimer = vertx.setTimer(timeoutSeconds * 1000, t -> close());
      }
      if (bookmarks) {
        bookmarkTimer = vertx.setPeriodic(bookmarkIntervalMs, t -> bookmark());
      }
      try {
        watch = store.watch(info.collectionPrefix(), afterRevision, this);
      } catch (RuntimeException e) {
        onError(e);
      }
      if (closed && watch != null) {
        watch.close();
      }
    }

    /**
     * Queues the events for this watcher and schedules one flush on its event loop unless one is
     * already pending: every event that arrives before the flush runs goes out in the same single
     * write, so a watcher costs one write per loop turn however many events the turn carries.
     */
    @Override
    public void onEvents(List<WatchEvent> events) {
      boolean schedule;
      synchronized (this) {
        if (pending == null) {
          pending = new java.util.ArrayList<>(Math.max(4, events.size()));
        }
        pending.addAll(events);
        schedule = !flushQueued;
        flushQueued = true;
      }
      if (schedule) {
        loop.submit(this::flush);
      }
    }

    /** Writes every queued event in one buffer (runs on the watcher's event loop). */
    private void flush() {
      List<WatchEvent> events;
      synchronized (this) {
        events = pending;
        pending = null;
        flushQueued = false;
      }
      if (closed || events == null) {
        return;
      }
      List<byte[]> batch = table ? null : new java.util.ArrayList<>(events.size());
      for (WatchEvent e : events) {
        deliver(e, batch);
      }
      if (batch == null || batch.isEmpty()) {
        return;
      }
      if (batch.size() == 1) {
        // no copy: the response only reads the shared bytes
        writeBuffer(Buffer.buffer(Unpooled.wrappedBuffer(batch.get(0))));
        return;
      }
      // the shared event lines as one composite buffer: one chunk, one flush, no copy
      writeBuffer(Buffer.buffer(Unpooled.wrappedBuffer(batch.toArray(new byte[0][]))));
    }

    private void deliver(WatchEvent e, List<byte[]> batch) {
      lastRevision = Math.max(lastRevision, e.revision());
      Decoded cur = e.type() == WatchEvent.Type.DELETE ? null : decodedOf(e.kv());
      if (cur != null && selectorFree) {
        if (filter.test(cur.obj())) {
          send(e.prevKv() == null ? 0 : 1, cur, batch);
        }
        return;
      }
      Decoded prev = e.type() == WatchEvent.Type.DELETE ? decodedOf(e.kv())
          : e.prevKv() == null ? null : decodedOf(e.prevKv());
      boolean was = prev != null && filter.test(prev.obj());
      boolean is = cur != null && filter.test(cur.obj());
      if (is && was) {
        send(1, cur, batch);
      } else if (is) {
        send(0, cur, batch);
      } else if (was) {
        send(2, cur != null ? cur : prev, batch);
      }
    }

    /** Appends a shared decoded version to the batch: its cached JSON bytes unless a Table is wanted. */
    private void send(int type, Decoded d, List<byte[]> batch) {
      if (table) {
        send(type == 0 ? "ADDED" : type == 1 ? "MODIFIED" : "DELETED", d.obj());
        return;
      }
      batch.add(d.frame(type));
    }

    private void writeBuffer(Buffer buf) {
      if (closed || response.ended() || response.closed()) {
        return;
      }
      try {
        response.write(buf);
      } catch (RuntimeException e) {
        close();
      }
    }

    void send(String type, ObjectNode obj) {
      ObjectNode ev = Json.mapper().createObjectNode();
      ev.put("type", type);
      if (table) {
        ev.set("object", Tables.of(strategy, List.of(obj), includeObject,
            obj.path("metadata").path("resourceVersion").asText(null), null, !columnsSent));
        columnsSent = true;
      } else {
        ev.set("object", obj);
      }
      write(ev);
    }

    void bookmark() {
      ObjectNode ev = Json.mapper().createObjectNode();
      ev.put("type", "BOOKMARK");
      ObjectNode o = ev.putObject("object");
      o.put("kind", info.type().kind()).put("apiVersion", info.type().groupVersion());
      o.putObject("metadata").put("resourceVersion", Long.toString(lastRevision));
      write(ev);
    }

    private void write(ObjectNode ev) {
      if (closed || response.ended() || response.closed()) {
        return;
      }
      try {
        byte[] b = Json.mapper().writeValueAsBytes(ev);
        Buffer buf = Buffer.buffer(b.length + 1).appendBytes(b).appendByte((byte) '\n');
        response.write(buf);
      } catch (Exception e) {
        LOG.warn("Watch write failed resource={} err=\"{}\"", info.type().resource(), e.toString());
        close();
      }
    }

    @Override
    public void onError(Throwable error) {
      // through the loop queue, so that it follows the events submitted before it
      loop.submit(() -> {
        ApiException a = error instanceof StoreException.Compacted c
            ? ApiException.gone("too old resource version: " + c.requested() + " (" + c.compacted() + ")")
            : HttpReplies.toApi(error);
        ObjectNode ev = Json.mapper().createObjectNode();
        ev.put("type", "ERROR");
        ev.set("object", a.toStatus());
        write(ev);
        close();
      });
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (opened) {
        active.decrementAndGet();
      }
      Watch w = watch;
      if (w != null) {
        w.close();
      }
      if (timeoutTimer >= 0) {
        ctx.vertx().cancelTimer(timeoutTimer);
      }
      if (bookmarkTimer >= 0) {
        ctx.vertx().cancelTimer(bookmarkTimer);
      }
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    }
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}

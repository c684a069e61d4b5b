package io.jk.apiserver.storage.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.jk.apiserver.storage.CallerCompletion;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd backend, on jetcd. Writes are single transactions comparing the key's
 * {@code mod_revision} (creates compare {@code version == 0}), so etcd's own revision is the store
 * revision; lists are ranges at a revision; watches are etcd watches from {@code revision + 1} with
 * the previous value. etcd acknowledges a write once the raft quorum committed it.
 *
 * <p>{@link #compactedRevision()} is the highest compaction this client made or was told about
 * (etcd has no call that reports it); reads below the real one still fail with
 * {@link StoreException.Compacted}.
 */
public final class EtcdStore implements Store {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdStore.class);
  private static final ByteSequence ALL_KEYS_END = ByteSequence.from(new byte[] {0});

  private final Client client;
  private final KV kv;
  private final long timeoutMs;
  private final AtomicLong compacted = new AtomicLong();
  private final AtomicLong lastSeenRevision = new AtomicLong();
  private final ScheduledExecutorService timer;
  private final List<String> endpoints;

  private EtcdStore(Client client, List<String> endpoints, StoreOptions options) {
    this.client = client;
    this.endpoints = endpoints;
    this.kv = client.getKVClient();
    this.timeoutMs = options.requestTimeout().toMillis();
    if (!options.compactInterval().isZero() && !options.compactInterval().isNegative()) {
      long every = options.compactInterval().toMillis();
      long keep = options.compactKeepRevisions();
      this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jk-etcd-compactor");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleWithFixedDelay(() -> autoCompact(keep), every, every, TimeUnit.MILLISECONDS);
    } else {
      this.timer = null;
    }
  }

  /**
   * A client of etcd at {@code endpoints} ({@code http://} or {@code https://} URLs). TLS uses the
   * CA, certificate and key files of {@code options} when given.
   */
  public static EtcdStore connect(List<String> endpoints, StoreOptions options) {
    Objects.requireNonNull(options, "options");
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint given");
    }
    ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(String[]::new));
    boolean tls = endpoints.stream().anyMatch(e -> e.startsWith("https://"));
    if (tls || options.etcdCaFile() != null || options.etcdCertFile() != null) {
      if ((options.etcdCertFile() == null) != (options.etcdKeyFile() == null)) {
        throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile must be given together");
      }
      for (String f : Arrays.asList(options.etcdCaFile(), options.etcdCertFile(), options.etcdKeyFile())) {
        if (f != null && !new File(f).canRead()) {
          throw new IllegalArgumentException("cannot read etcd TLS file " + f);
        }
      }
      try {
        builder.sslContext(ssl -> {
          if (options.etcdCaFile() != null) {
            ssl.trustManager(new File(options.etcdCaFile()));
          }
          if (options.etcdCertFile() != null) {
            ssl.keyManager(new File(options.etcdCertFile()), new File(options.etcdKeyFile()));
          }
        });
      } catch (Exception e) {
        throw new StoreException("cannot set up TLS to etcd: " + e.getMessage(), e);
      }
    }
    LOG.info("Connecting to etcd endpoints={} tls={}", endpoints, tls);
    return new EtcdStore(builder.build(), List.copyOf(endpoints), options);
  }

  /** The endpoints this client talks to. */
  public List<String> endpoints() {
    return endpoints;
  }

  // ---- conversions ----

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static KeyValue toKv(io.etcd.jetcd.KeyValue e) {
    return new KeyValue(e.getKey().toString(StandardCharsets.UTF_8), e.getValue().getBytes(), e.getCreateRevision(),
        e.getModRevision());
  }

  /** The first key after every key starting with {@code prefix} (etcd's range end for a prefix). */
  static ByteSequence prefixEnd(String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = p.length - 1; i >= 0; i--) {
      if (p[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(p, i + 1);
        end[i]++;
        return ByteSequence.from(end);
      }
    }
    return ALL_KEYS_END;
  }

  private <R, T> Future<T> call(CompletableFuture<R> request, Function<R, T> onSuccess, String what) {
    CallerCompletion<T> done = CallerCompletion.forCaller();
    request.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((r, err) -> {
      if (err != null) {
        done.fail(mapError(err, what));
        return;
      }
      try {
        done.succeed(onSuccess.apply(r));
      } catch (RuntimeException e) {
        done.fail(e instanceof StoreException ? e : new StoreException(what + " failed: " + e, e));
      }
    });
    return done.future();
  }

  private StoreException mapError(Throwable err, String what) {
    Throwable e = err;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof StoreException se) {
      return se;
    }
    String msg = String.valueOf(e.getMessage());
    if (e instanceof CompactedException ce) {
      return new StoreException.Compacted(0, ce.getCompactedRevision());
    }
    if (msg.contains("required revision has been compacted")) {
      return new StoreException.Compacted(0, compacted.get());
    }
    if (msg.contains("required revision is a future revision")) {
      return new StoreException.FutureRevision(0, lastSeenRevision.get());
    }
    if (e instanceof TimeoutException) {
      return new StoreException(what + " timed out after " + timeoutMs + " ms (it may or may not have happened)", e);
    }
    return new StoreException(what + " failed: " + msg, e);
  }

  private void saw(long revision) {
    lastSeenRevision.accumulateAndGet(revision, Math::max);
  }

  // ---- Store ----

  @Override
  public Future<Long> currentRevision() {
    // A one-key range on an empty key returns the header revision cheaply.
    return call(kv.get(ALL_KEYS_END, GetOption.builder().withCountOnly(true).build()), r -> {
      long rev = r.getHeader().getRevision();
      saw(rev);
      return rev;
    }, "reading the current revision");
  }

  @Override
  public Future<KeyValue> get(String key) {
    if (key == null || key.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty"));
    }
    return call(kv.get(bytes(key)), r -> {
      saw(r.getHeader().getRevision());
      return r.getKvs().isEmpty() ? null : toKv(r.getKvs().get(0));
    }, "get " + key);
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    if (prefix == null) {
      return Future.failedFuture(new IllegalArgumentException("prefix must not be null"));
    }
    if (revision < 0) {
      return Future.failedFuture(new IllegalArgumentException("revision must be >= 0, got " + revision));
    }
    String start = startAfter != null && startAfter.compareTo(prefix) >= 0 ? startAfter + "\0" : prefix;
    GetOption.Builder opt = GetOption.builder()
        .withRange(prefix.isEmpty() ? ALL_KEYS_END : prefixEnd(prefix))
        .withSortField(GetOption.SortTarget.KEY)
        .withSortOrder(GetOption.SortOrder.ASCEND);
    if (limit > 0) {
      opt.withLimit(limit);
    }
    if (revision > 0) {
      opt.withRevision(revision);
    }
    CompletableFuture<GetResponse> request = kv.get(start.isEmpty() ? ALL_KEYS_END : bytes(start), opt.build());
    return call(request, r -> {
      long rev = revision > 0 ? revision : r.getHeader().getRevision();
      saw(r.getHeader().getRevision());
      List<KeyValue> items = new ArrayList<>(r.getKvs().size());
      r.getKvs().forEach(e -> items.add(toKv(e)));
      return new ListResult(items, rev, r.isMore());
    }, "list " + prefix).recover(e -> Future.failedFuture(withRequested(e, revision)));
  }

  private Throwable withRequested(Throwable e, long revision) {
    if (e instanceof StoreException.Compacted c) {
      return new StoreException.Compacted(revision, Math.max(c.compacted(), compacted.get()));
    }
    if (e instanceof StoreException.FutureRevision) {
      return new StoreException.FutureRevision(revision, lastSeenRevision.get());
    }
    return e;
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    if (key == null || key.isEmpty() || value == null) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty and value not null"));
    }
    ByteSequence k = bytes(key);
    CompletableFuture<TxnResponse> txn = kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
        .commit();
    return call(txn, r -> {
      long rev = r.getHeader().getRevision();
      saw(rev);
      if (!r.isSucceeded()) {
        throw new StoreException.KeyExists(key);
      }
      return new KeyValue(key, value, rev, rev);
    }, "create " + key);
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    if (key == null || key.isEmpty() || value == null) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty and value not null"));
    }
    ByteSequence k = bytes(key);
    CompletableFuture<TxnResponse> txn = kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)),
            new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0)))
        .Then(Op.put(k, ByteSequence.from(value), PutOption.builder().withPrevKV().build()))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit();
    return call(txn, r -> {
      long rev = r.getHeader().getRevision();
      saw(rev);
      if (!r.isSucceeded()) {
        throw mismatch(key, r.getGetResponses());
      }
      PutResponse put = r.getPutResponses().get(0);
      return new KeyValue(key, value, put.getPrevKv().getCreateRevision(), rev);
    }, "update " + key);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    if (key == null || key.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty"));
    }
    ByteSequence k = bytes(key);
    List<Cmp> cmps = new ArrayList<>();
    cmps.add(new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0)));
    if (expectedRevision != 0) {
      cmps.add(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)));
    }
    CompletableFuture<TxnResponse> txn = kv.txn()
        .If(cmps.toArray(Cmp[]::new))
        .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit();
    return call(txn, r -> {
      long rev = r.getHeader().getRevision();
      saw(rev);
      if (!r.isSucceeded()) {
        throw mismatch(key, r.getGetResponses());
      }
      DeleteResponse del = r.getDeleteResponses().get(0);
      if (del.getPrevKvs().isEmpty()) {
        throw new StoreException.NotFound(key);
      }
      io.etcd.jetcd.KeyValue prev = del.getPrevKvs().get(0);
      return new KeyValue(key, prev.getValue().getBytes(), prev.getCreateRevision(), rev);
    }, "delete " + key);
  }

  private static StoreException mismatch(String key, List<GetResponse> gets) {
    if (gets.isEmpty() || gets.get(0).getKvs().isEmpty()) {
      return new StoreException.NotFound(key);
    }
    return new StoreException.Conflict(key, toKv(gets.get(0).getKvs().get(0)));
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(listener, "listener");
    EtcdWatch watch = new EtcdWatch(afterRevision, listener, compacted);
    WatchOption option = WatchOption.builder()
        .withRange(prefix.isEmpty() ? ALL_KEYS_END : prefixEnd(prefix))
        .withRevision(afterRevision + 1)
        .withPrevKV(true)
        .build();
    watch.attach(client.getWatchClient().watch(prefix.isEmpty() ? ALL_KEYS_END : bytes(prefix), option, watch));
    return watch;
  }

  @Override
  public Future<Void> compact(long revision) {
    if (revision < 0) {
      return Future.failedFuture(new IllegalArgumentException("revision must be >= 0, got " + revision));
    }
    if (revision <= compacted.get()) {
      return Future.succeededFuture();
    }
    CompletableFuture<Void> request = kv.compact(revision, CompactOption.DEFAULT).handle((r, err) -> {
      if (err != null) {
        StoreException e = mapError(err, "compact");
        if (!(e instanceof StoreException.Compacted)) {
          throw new CompletionException(e);
        }
        // Already compacted at or past this revision by someone else.
      }
      compacted.accumulateAndGet(revision, Math::max);
      return null;
    });
    return call(request, r -> null, "compact to " + revision);
  }

  private void autoCompact(long keep) {
    currentRevision()
        .compose(cur -> cur - keep > compacted.get() ? compact(cur - keep) : Future.succeededFuture())
        .onFailure(e -> LOG.warn("Automatic etcd compaction failed err=\"{}\"", e.toString()));
  }

  @Override
  public long compactedRevision() {
    return compacted.get();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    client.close();
  }

  /** Converts one etcd watch event to the store's. */
  static WatchEvent convert(io.etcd.jetcd.watch.WatchEvent e) {
    io.etcd.jetcd.KeyValue cur = e.getKeyValue();
    io.etcd.jetcd.KeyValue prev = e.getPrevKV();
    KeyValue prevKv = prev == null || prev.getModRevision() == 0 ? null : toKv(prev);
    String key = cur.getKey().toString(StandardCharsets.UTF_8);
    switch (e.getEventType()) {
      case PUT:
        if (cur.getVersion() == 1) {
          return new WatchEvent(WatchEvent.Type.CREATE, toKv(cur), null);
        }
        return new WatchEvent(WatchEvent.Type.UPDATE, toKv(cur), prevKv);
      case DELETE:
        KeyValue last = prevKv == null
            ? new KeyValue(key, new byte[0], 0, cur.getModRevision())
            : new KeyValue(key, prevKv.value(), prevKv.createRevision(), cur.getModRevision());
        return new WatchEvent(WatchEvent.Type.DELETE, last, prevKv);
      default:
        throw new StoreException("unknown etcd event type " + e.getEventType());
    }
  }
}

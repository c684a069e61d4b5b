package io.jk.cli.daemon;

import io.jk.cli.ApiClient;
import io.jk.cli.ApiClients;
import io.jk.cli.Kubeconfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Warm API clients kept between the daemon's requests: the TLS context made and the connection
 * to the server open, which is most of what a cold {@code jkctl get pods} spends.
 *
 * <p>A client is kept under a key made of everything it was built from: the server, the
 * kubeconfig's whole cluster and user entries (CA, certificates, keys, token), the directory
 * relative file names are taken from, and the modification time and size of every file the
 * entries name. A request whose kubeconfig, context or credential files differ in any of these
 * gets a client of its own; nothing of one request's choice reaches another. A client serves
 * one request at a time: a request leases clients and gives them back when it ends.
 */
final class ClientPool {

  /** Connections idle longer than this are closed before reuse (the server may have dropped them). */
  static final long STALE_CONNECTION_NANOS = 30_000_000_000L;
  /** Clients unused this long are dropped. */
  static final long EXPIRY_NANOS = 5 * 60_000_000_000L;
  private static final int MAX_IDLE_PER_KEY = 4;
  private static final int MAX_KEYS = 32;

  private record Idle(ApiClient client, long since) {}

  private final Map<String, Deque<Idle>> idle = new HashMap<>();

  /** The clients one request uses; {@link #close(boolean)} gives them back. */
  final class Lease implements ApiClients {
    private final List<Map.Entry<String, ApiClient>> taken = new ArrayList<>();

    @Override
    public ApiClient open(Kubeconfig.Target target) {
      String key = key(target);
      ApiClient c = take(key);
      if (c == null) {
        c = new ApiClient(target);
      }
      synchronized (taken) {
        taken.add(Map.entry(key, c));
      }
      return c;
    }

    /**
     * Ends the lease: the clients go back to the pool when the request ended cleanly, else they
     * are closed (a connection left in the middle of an answer must not serve another request).
     */
    void close(boolean clean) {
      synchronized (taken) {
        for (Map.Entry<String, ApiClient> e : taken) {
          if (clean) {
            give(e.getKey(), e.getValue());
          } else {
            e.getValue().disconnect();
          }
        }
        taken.clear();
      }
    }
  }

  /** A lease for one request. */
  Lease lease() {
    return new Lease();
  }

  private synchronized ApiClient take(String key) {
    Deque<Idle> q = idle.get(key);
    Idle i = q == null ? null : q.pollFirst();
    if (i == null) {
      return null;
    }
    if (System.nanoTime() - i.since() > STALE_CONNECTION_NANOS) {
      i.client().disconnect();
    }
    return i.client();
  }

  private synchronized void give(String key, ApiClient c) {
    Deque<Idle> q = idle.get(key);
    if (q == null) {
      if (idle.size() >= MAX_KEYS) {
        c.disconnect();
        return;
      }
      q = new ArrayDeque<>();
      idle.put(key, q);
    }
    if (q.size() >= MAX_IDLE_PER_KEY) {
      c.disconnect();
      return;
    }
    q.addFirst(new Idle(c, System.nanoTime()));
  }

  /** Drops clients unused for {@link #EXPIRY_NANOS}. */
  synchronized void expire() {
    long now = System.nanoTime();
    for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
      Deque<Idle> q = it.next();
      q.removeIf(i -> {
        boolean old = now - i.since() > EXPIRY_NANOS;
        if (old) {
          i.client().disconnect();
        }
        return old;
      });
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Closes every kept client. */
  synchronized void clear() {
    idle.values().forEach(q -> q.forEach(i -> i.client().disconnect()));
    idle.clear();
  }

  /** How many clients are kept idle. */
  synchronized int size() {
    return idle.values().stream().mapToInt(Deque::size).sum();
  }

  /** Everything a client built for {@code t} depends on. */
  static String key(Kubeconfig.Target t) {
    Path dir = t.file().toAbsolutePath().getParent();
    StringBuilder k = new StringBuilder(512);
    k.append(t.server()).append('\n').append(dir).append('\n').append(t.cluster()).append('\n').append(t.user());
    for (String field : new String[] {"certificate-authority"}) {
      stamp(k, dir, t.cluster().path(field).asText(null));
    }
    for (String field : new String[] {"client-certificate", "client-key", "tokenFile"}) {
      stamp(k, dir, t.user().path(field).asText(null));
    }
    return k.toString();
  }

  private static void stamp(StringBuilder k, Path dir, String file) {
    if (file == null) {
      return;
    }
    Path p = dir == null ? Path.of(file) : dir.resolve(file);
    k.append('\n').append(p);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      k.append(' ').append(a.lastModifiedTime().toMillis()).append(' ').append(a.size()).append(' ')
          .append(a.fileKey());
    } catch (IOException e) {
      k.append(" missing");
    }
  }
}

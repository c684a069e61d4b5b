package io.jk.apiserver.storage;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Store}, immutable; start from {@link #defaults()} and change with the
 * {@code with...} methods.
 *
 * <p>SQLite: automatic compaction every {@link #compactInterval()} keeping the newest
 * {@link #compactKeepRevisions()} revisions; at most {@link #maxWriteBatch()} writes per
 * transaction (group commit); {@link #readThreads()} read connections.
 *
 * <p>etcd: TLS files named after kube-apiserver's {@code --etcd-cafile}, {@code --etcd-certfile},
 * {@code --etcd-keyfile} (all {@code null}: plain HTTP or the system trust store for https).
 */
public final class StoreOptions {

  private final Duration compactInterval;
  private final long compactKeepRevisions;
  private final int maxWriteBatch;
  private final int readThreads;
  private final String etcdCaFile;
  private final String etcdCertFile;
  private final String etcdKeyFile;
  private final Duration requestTimeout;

  private StoreOptions(Duration compactInterval, long compactKeepRevisions, int maxWriteBatch, int readThreads,
      String etcdCaFile, String etcdCertFile, String etcdKeyFile, Duration requestTimeout) {
    this.compactInterval = Objects.requireNonNull(compactInterval, "compactInterval");
    if (compactKeepRevisions < 0) {
      throw new IllegalArgumentException("compactKeepRevisions must be >= 0, got " + compactKeepRevisions);
    }
    if (maxWriteBatch < 1) {
      throw new IllegalArgumentException("maxWriteBatch must be >= 1, got " + maxWriteBatch);
    }
    if (readThreads < 1) {
      throw new IllegalArgumentException("readThreads must be >= 1, got " + readThreads);
    }
    this.compactKeepRevisions = compactKeepRevisions;
    this.maxWriteBatch = maxWriteBatch;
    this.readThreads = readThreads;
    this.etcdCaFile = etcdCaFile;
    this.etcdCertFile = etcdCertFile;
    this.etcdKeyFile = etcdKeyFile;
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** Every 60 s keep the newest 10,000 revisions; batches of up to 1,000 writes; 4 readers. */
  public static StoreOptions defaults() {
    return new StoreOptions(Duration.ofSeconds(60), 10_000, 1_000, 4, null, null, null, Duration.ofSeconds(30));
  }

  /** How often automatic compaction runs; {@link Duration#ZERO} turns it off. */
  public Duration compactInterval() {
    return compactInterval;
  }

  /** How many of the newest revisions automatic compaction keeps. */
  public long compactKeepRevisions() {
    return compactKeepRevisions;
  }

  /** The most writes one SQLite transaction commits together. */
  public int maxWriteBatch() {
    return maxWriteBatch;
  }

  /** How many SQLite read connections (and threads) serve reads and watch replays. */
  public int readThreads() {
    return readThreads;
  }

  /** {@code --etcd-cafile}: CA bundle that signed the etcd servers' certificates, or {@code null}. */
  public String etcdCaFile() {
    return etcdCaFile;
  }

  /** {@code --etcd-certfile}: client certificate presented to etcd, or {@code null}. */
  public String etcdCertFile() {
    return etcdCertFile;
  }

  /** {@code --etcd-keyfile}: private key of the client certificate, or {@code null}. */
  public String etcdKeyFile() {
    return etcdKeyFile;
  }

  /** Deadline of one etcd request. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  public StoreOptions withCompaction(Duration interval, long keepRevisions) {
    return new StoreOptions(interval, keepRevisions, maxWriteBatch, readThreads, etcdCaFile, etcdCertFile,
        etcdKeyFile, requestTimeout);
  }

  public StoreOptions withMaxWriteBatch(int max) {
    return new StoreOptions(compactInterval, compactKeepRevisions, max, readThreads, etcdCaFile, etcdCertFile,
        etcdKeyFile, requestTimeout);
  }

  public StoreOptions withReadThreads(int threads) {
    return new StoreOptions(compactInterval, compactKeepRevisions, maxWriteBatch, threads, etcdCaFile, etcdCertFile,
        etcdKeyFile, requestTimeout);
  }

  /** The etcd TLS files, as kube-apiserver's {@code --etcd-cafile/--etcd-certfile/--etcd-keyfile}. */
  public StoreOptions withEtcdTls(String caFile, String certFile, String keyFile) {
    return new StoreOptions(compactInterval, compactKeepRevisions, maxWriteBatch, readThreads, caFile, certFile,
        keyFile, requestTimeout);
  }

  public StoreOptions withRequestTimeout(Duration timeout) {
    return new StoreOptions(compactInterval, compactKeepRevisions, maxWriteBatch, readThreads, etcdCaFile,
        etcdCertFile, etcdKeyFile, timeout);
  }
}

/**
 * The store the API server keeps its objects in: a revisioned key-value SPI ({@link
 * io.jk.apiserver.storage.Store}) and its two backends, chosen by endpoint through {@link
 * io.jk.apiserver.storage.StoreFactory#open}.
 *
 * <ul>
 *   <li>{@code sqlite:///path/to/state.db}: {@link io.jk.apiserver.storage.sqlite.SqliteStore}, an
 *       append-only log of revisions in one SQLite file (WAL, {@code synchronous=FULL}), one writer
 *       thread with group commit, read connections beside it, watches pushed after each commit,
 *       compaction on a timer.
 *   <li>{@code http://host:2379,...} or {@code https://...}: {@link
 *       io.jk.apiserver.storage.etcd.EtcdStore}, jetcd transactions on {@code mod_revision}, etcd
 *       watches, TLS with {@code --etcd-cafile/--etcd-certfile/--etcd-keyfile}.
 * </ul>
 *
 * <p>Futures complete on the caller's Vert.x context when it has one, otherwise on a store
 * thread (such callbacks must not block). Watch listeners are called on a store thread.
 *
 * <p>After {@code compact(C)}: reads at {@code C} or later work, earlier ones fail with {@code
 * Compacted}; a watch needs {@code afterRevision >= C} (etcd also accepts {@code C - 1}). Both
 * backends compact automatically every {@code compactInterval}, keeping {@code
 * compactKeepRevisions} revisions (defaults: 60 s, 10,000).
 *
 * <p>Tests: {@code StoreConformanceTest} (one suite, a subclass per backend), {@code
 * DurabilityKillTest} (SIGKILL loop), {@code EtcdTlsTest}; benchmark: {@code
 * io.jk.apiserver.storage.bench.StoreBench} in the test sources.
 */
package io.jk.apiserver.storage;

package io.jk.apiserver.storage;

import io.jk.apiserver.storage.etcd.EtcdStore;
import io.jk.apiserver.storage.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the {@link Store} an endpoint names.
 *
 * <ul>
 *   <li>{@code sqlite:///var/lib/jk/state.db} (or {@code sqlite://relative/path.db}): the embedded
 *       SQLite store in that file, created if missing.
 *   <li>{@code http://127.0.0.1:2379,http://10.0.0.2:2379} or {@code https://...}: etcd at those
 *       endpoints (comma-separated); {@code etcd://host:port,...} means {@code http://}.
 * </ul>
 */
public final class StoreFactory {

  private StoreFactory() {}

  /**
   * Opens the store at {@code endpoint}.
   *
   * @throws IllegalArgumentException when the endpoint is not one of the forms above
   * @throws StoreException when the store cannot be opened
   */
  public static Store open(String endpoint, StoreOptions options) {
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException("store endpoint is empty; use sqlite:///path/to/db or http://host:2379");
    }
    String e = endpoint.trim();
    if (e.startsWith("sqlite://")) {
      String path = e.substring("sqlite://".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("sqlite endpoint has no path: " + endpoint);
      }
      return SqliteStore.open(Path.of(path), options);
    }
    return EtcdStore.connect(etcdEndpoints(e), options);
  }

  /** The etcd endpoint URLs of a comma-separated list; rejects anything but http(s) and etcd URLs. */
  static List<String> etcdEndpoints(String endpoint) {
    List<String> urls = new ArrayList<>();
    for (String part : endpoint.split(",")) {
      String url = part.trim();
      if (url.isEmpty()) {
        continue;
      }
      if (url.startsWith("etcd://")) {
        url = "http://" + url.substring("etcd://".length());
      }
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        throw new IllegalArgumentException("unsupported store endpoint " + part.trim()
            + "; use sqlite:///path/to/db or http(s)://host:port[,http(s)://host:port...]");
      }
      urls.add(url);
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint in " + endpoint);
    }
    return urls;
  }
}

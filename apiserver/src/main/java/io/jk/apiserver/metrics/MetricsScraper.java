package io.jk.apiserver.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.proxy.KubeletAddress;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes every Ready node's kubelet in parallel and keeps the result for a few seconds, as
 * metrics-server's scrape loop does (here on demand: the first request after the cache expired
 * starts one scrape, and concurrent requests share it).
 *
 * <p>A kubelet that does not answer within the client's timeout, or answers garbage, is left out
 * of the snapshot (and logged): one bad node never fails a whole list.
 */
public final class MetricsScraper {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsScraper.class);

  /**
   * One scrape's result.
   *
   * @param at when the scrape started
   * @param nodes the samples of the nodes that answered
   */
  public record Snapshot(Instant at, List<NodeSample> nodes) {}

  private final Store store;
  private final ResourceType nodesType;
  private final KubeletStatsClient kubelets;
  private final Duration ttl;
  private final Clock clock;
  private Future<Snapshot> current;
  private Instant currentAt = Instant.EPOCH;

  /**
   * A scraper reading Nodes of {@code nodesType} from {@code store} and their summaries through
   * {@code kubelets}, reusing a snapshot for {@code ttl}.
   */
  public MetricsScraper(Store store, ResourceType nodesType, KubeletStatsClient kubelets, Duration ttl, Clock clock) {
    this.store = store;
    this.nodesType = nodesType;
    this.kubelets = kubelets;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The latest snapshot, scraping anew when the cached one is older than the ttl or failed. */
  public synchronized Future<Snapshot> snapshot() {
    Instant now = clock.instant();
    if (current != null && !current.failed() && now.isBefore(currentAt.plus(ttl))) {
      return current;
    }
    currentAt = now;
    current = scrape(now);
    return current;
  }

  private Future<Snapshot> scrape(Instant now) {
    return store.list(nodesType.keyPrefix(), null, 0, 0).compose(list -> {
      List<Future<NodeSample>> asks = new ArrayList<>();
      for (KeyValue kv : list.items()) {
        ObjectNode node = Objects.decode(kv);
        if (!isReady(node)) {
          continue;
        }
        asks.add(ask(node, now));
      }
      // join: wait for every answer or failure; failures are recovered to null below
      return Future.join(asks).transform(ar -> {
        List<NodeSample> out = new ArrayList<>();
        for (Future<NodeSample> f : asks) {
          if (f.succeeded() && f.result() != null) {
            out.add(f.result());
          }
        }
        return Future.succeededFuture(new Snapshot(now, List.copyOf(out)));
      });
    });
  }

  private Future<NodeSample> ask(ObjectNode node, Instant now) {
    String name = Objects.metaText(node, "name");
    KubeletAddress address;
    try {
      address = KubeletAddress.of(node);
    } catch (RuntimeException e) {
      return Future.succeededFuture(null);
    }
    return kubelets.summaryWithRates(address, Duration.ofSeconds(1)).map(doc -> SummaryParser.parse(name, doc, now)).recover(e -> {
      LOG.warn("Node left out of resource metrics node={} err=\"{}\"", name, e.getMessage() == null ? e : e.getMessage());
      return Future.succeededFuture(null);
    });
  }

  /** Whether {@code node}'s Ready condition is True. */
  static boolean isReady(JsonNode node) {
    for (JsonNode c : node.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) {
        return c.path("status").asText().equals("True");
      }
    }
    return false;
  }
}

package io.jk.apiserver.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.selection.FieldSelector;
import io.jk.apiserver.selection.LabelSelector;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource metrics API, {@code metrics.k8s.io/v1beta1}, as metrics-server serves it behind
 * the aggregator, here served by the API server itself: {@code nodes}, {@code nodes/<name>},
 * {@code pods}, {@code namespaces/<ns>/pods} and {@code namespaces/<ns>/pods/<name>}, read-only
 * ({@code get}, {@code list}; label selectors and {@code metadata.name}/{@code metadata.namespace}
 * field selectors on lists).
 *
 * <p>Usage comes from a {@link MetricsScraper} snapshot; labels (and whether the object still
 * exists) from the stored Node or Pod, so {@code kubectl top pods -l app=web} selects as it does
 * on a real cluster.
 */
public final class MetricsApi {

  /** The path prefix served. */
  public static final String PREFIX = "/apis/metrics.k8s.io/v1beta1/";
  private static final String API_VERSION = "metrics.k8s.io/v1beta1";
  private static final Pattern NODES = Pattern.compile("^nodes(?:/([^/]+))?$");
  private static final Pattern PODS = Pattern.compile("^(?:namespaces/([^/]+)/)?pods(?:/([^/]+))?$");

  private final Store store;
  private final MetricsScraper scraper;
  private final ResourceType nodes;
  private final ResourceType pods;
  private final ResourceType nodeMetrics;
  private final ResourceType podMetrics;
  private final String window;

  /**
   * The API over {@code store} (Nodes and Pods) and {@code scraper}; {@code window} is the
   * sampling window reported in each object.
   */
  public MetricsApi(Store store, ResourceTypes types, MetricsScraper scraper, Duration window) {
    this.store = store;
    this.scraper = scraper;
    this.nodes = types.find("", "v1", "nodes").orElseThrow();
    this.pods = types.find("", "v1", "pods").orElseThrow();
    this.nodeMetrics = types.find("metrics.k8s.io", "v1beta1", "nodes").orElseThrow();
    this.podMetrics = types.find("metrics.k8s.io", "v1beta1", "pods").orElseThrow();
    this.window = window.toSeconds() + "s";
  }

  /** Answers one request below {@link #PREFIX}. */
  public void handle(RoutingContext ctx) {
    String rest = ctx.request().path().substring(PREFIX.length());
    Matcher n = NODES.matcher(rest);
    Matcher p = PODS.matcher(rest);
    boolean isNodes = n.matches();
    if (!isNodes && !p.matches()) {
      HttpReplies.fail(ctx, ApiException.notFoundPath());
      return;
    }
    ctx.put("resource", isNodes ? "nodes.metrics" : "pods.metrics");
    if (ctx.request().method() != HttpMethod.GET || "true".equals(ctx.request().getParam("watch"))) {
      HttpReplies.fail(ctx, new ApiException(405, "MethodNotAllowed",
          "the server does not allow this method on the requested resource", null));
      return;
    }
    Future<ObjectNode> answer;
    try {
      LabelSelector labels = LabelSelector.parse(param(ctx, "labelSelector"));
      FieldSelector fields = FieldSelector.parse(param(ctx, "fieldSelector"));
      if (isNodes) {
        String name = decode(n.group(1));
        answer = nodes(name, labels, fields);
      } else {
        answer = pods(decode(p.group(1)), decode(p.group(2)), labels, fields);
      }
    } catch (RuntimeException e) {
      HttpReplies.fail(ctx, e);
      return;
    }
    answer.onSuccess(doc -> HttpReplies.json(ctx, 200, doc)).onFailure(e -> HttpReplies.fail(ctx, e));
  }

  private Future<ObjectNode> nodes(String name, LabelSelector labels, FieldSelector fields) {
    return Future.all(scraper.snapshot(), objects(nodes.keyPrefix())).map(all -> {
      MetricsScraper.Snapshot snap = all.resultAt(0);
      Map<String, ObjectNode> stored = all.resultAt(1);
      ObjectNode list = list("NodeMetricsList");
      ArrayNode items = (ArrayNode) list.get("items");
      for (NodeSample s : snap.nodes()) {
        ObjectNode node = stored.get(s.node());
        if (node == null || s.usage() == null || (name != null && !name.equals(s.node()))) {
          continue;
        }
        if (name == null && (!labels.matchesObject(node) || !fields.matches(Map.of("metadata.name", s.node())))) {
          continue;
        }
        ObjectNode o = item("NodeMetrics", node, s.timestamp());
        usage(o.putObject("usage"), s.usage());
        if (name != null) {
          return o;
        }
        items.add(o);
      }
      if (name != null) {
        throw ApiException.notFound(nodeMetrics, name);
      }
      return list;
    });
  }

  private Future<ObjectNode> pods(String namespace, String name, LabelSelector labels, FieldSelector fields) {
    String prefix = namespace == null ? pods.keyPrefix() : pods.keyPrefix() + namespace + "/";
    return Future.all(scraper.snapshot(), objects(prefix)).map(all -> {
      MetricsScraper.Snapshot snap = all.resultAt(0);
      Map<String, ObjectNode> stored = all.resultAt(1);
      ObjectNode list = list("PodMetricsList");
      ArrayNode items = (ArrayNode) list.get("items");
      for (NodeSample s : snap.nodes()) {
        for (NodeSample.PodSample ps : s.pods()) {
          ObjectNode pod = stored.get(ps.namespace() + "/" + ps.name());
          if (pod == null || (name != null && !name.equals(ps.name()))) {
            continue;
          }
          if (name == null && (!labels.matchesObject(pod)
              || !fields.matches(Map.of("metadata.name", ps.name(), "metadata.namespace", ps.namespace())))) {
            continue;
          }
          ObjectNode o = item("PodMetrics", pod, ps.timestamp());
          ArrayNode containers = o.putArray("containers");
          for (NodeSample.ContainerSample c : ps.containers()) {
            ObjectNode co = containers.addObject().put("name", c.name());
            usage(co.putObject("usage"), c.usage());
          }
          if (name != null) {
            return o;
          }
          items.add(o);
        }
      }
      if (name != null) {
        throw ApiException.notFound(podMetrics, name);
      }
      return list;
    });
  }

  /** The stored objects under {@code prefix} by {@code namespace/name} (or name when cluster-scoped). */
  private Future<Map<String, ObjectNode>> objects(String prefix) {
    return store.list(prefix, null, 0, 0).map(res -> {
      Map<String, ObjectNode> out = new HashMap<>();
      for (KeyValue kv : res.items()) {
        ObjectNode o = Objects.decode(kv);
        String ns = Objects.metaText(o, "namespace");
        String n = Objects.metaText(o, "name");
        out.put(ns.isEmpty() ? n : ns + "/" + n, o);
      }
      return out;
    });
  }

  private static ObjectNode list(String kind) {
    ObjectNode l = Json.mapper().createObjectNode();
    l.put("kind", kind).put("apiVersion", API_VERSION).putObject("metadata");
    l.putArray("items");
    return l;
  }

  private ObjectNode item(String kind, ObjectNode source, Instant timestamp) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("kind", kind).put("apiVersion", API_VERSION);
    ObjectNode m = o.putObject("metadata");
    m.put("name", Objects.metaText(source, "name"));
    String ns = Objects.metaText(source, "namespace");
    if (!ns.isEmpty()) {
      m.put("namespace", ns);
    }
    m.put("creationTimestamp", Objects.now());
    if (source.path("metadata").path("labels").isObject()) {
      m.set("labels", source.path("metadata").path("labels").deepCopy());
    }
    o.put("timestamp", timestamp.truncatedTo(ChronoUnit.SECONDS).toString());
    o.put("window", window);
    return o;
  }

  private static void usage(ObjectNode out, Usage u) {
    out.put("cpu", UsageQuantities.cpu(u.nanoCores())).put("memory", UsageQuantities.memory(u.workingSetBytes()));
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null ? "" : v;
  }

  private static String decode(String s) {
    return s == null ? null : URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}

package io.jk.scheduler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.jk.common.json.Json;
import io.jk.scheduler.framework.PodInfo;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@code Scheduled} event of each binding, fire-and-forget on the async transport.
 * When too many are in flight an event is dropped rather than slowing scheduling down, as
 * Kubernetes' event broadcaster drops under pressure.
 */
final class ScheduledEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduledEvents.class);
  private final HttpClient http;
  private final String base;
  private final String component;
  private final Semaphore inFlight = new Semaphore(256);

  ScheduledEvents(KubernetesClient client, String component) {
    this.http = client.getHttpClient();
    String url = client.getMasterUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.component = component;
  }

  void scheduled(PodInfo pod, String node) {
    if (!inFlight.tryAcquire()) {
      return;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("apiVersion", "v1");
    ev.put("kind", "Event");
    ev.put("metadata", Map.of("name", pod.name() + "." + Long.toHexString(System.nanoTime()),
        "namespace", pod.namespace()));
    ev.put("involvedObject", Map.of("apiVersion", "v1", "kind", "Pod", "namespace",
        pod.namespace(), "name", pod.name(), "uid", pod.uid() == null ? "" : pod.uid()));
    ev.put("reason", "Scheduled");
    ev.put("message", "Successfully assigned " + pod.key() + " to " + node);
    ev.put("type", "Normal");
    ev.put("source", Map.of("component", component));
    ev.put("reportingComponent", component);
    ev.put("firstTimestamp", now);
    ev.put("lastTimestamp", now);
    ev.put("count", 1);
    String body;
    try {
      body = Json.mapper().writeValueAsString(ev);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      inFlight.release();
      return;
    }
    HttpRequest req = http.newHttpRequestBuilder().uri(base + "/api/v1/namespaces/"
        + URLEncoder.encode(pod.namespace(), StandardCharsets.UTF_8) + "/events")
        .post("application/json", body).build();
    http.sendAsync(req, String.class).whenComplete((r, e) -> {
      inFlight.release();
      if (e != null || r.code() >= 300) {
        LOG.debug("Cannot record Scheduled event pod=\"{}\"", pod.key());
      }
    });
  }
}

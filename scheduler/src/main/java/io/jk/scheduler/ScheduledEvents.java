package io.jk.scheduler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.jk.scheduler.framework.PodInfo;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

  /** {@code s} as a JSON string literal. */
  static String q(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  void scheduled(PodInfo pod, String node) {
    if (!inFlight.tryAcquire()) {
      return;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    // Written by hand: the same small shape for every binding, without a Map and a serializer.
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":"
        + q(pod.name() + "." + Long.toHexString(System.nanoTime())) + ",\"namespace\":"
        + q(pod.namespace()) + "},\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
        + "\"namespace\":" + q(pod.namespace()) + ",\"name\":" + q(pod.name()) + ",\"uid\":"
        + q(pod.uid() == null ? "" : pod.uid()) + "},\"reason\":\"Scheduled\",\"message\":"
        + q("Successfully assigned " + pod.key() + " to " + node)
        + ",\"type\":\"Normal\",\"source\":{\"component\":" + q(component)
        + "},\"reportingComponent\":" + q(component) + ",\"firstTimestamp\":\"" + now
        + "\",\"lastTimestamp\":\"" + now + "\",\"count\":1}";
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

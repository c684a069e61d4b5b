package io.jk.controllers.podautoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.json.Json;
import io.jk.common.resources.Quantities;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** {@link PodMetricsSource} over the resource metrics API ({@code metrics.k8s.io/v1beta1} PodMetrics). */
public final class MetricsApiSource implements PodMetricsSource {

  private final KubernetesClient client;

  /** A source reading through {@code client}. */
  public MetricsApiSource(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Map<String, Long> podUsage(String namespace, String selector, String resource) throws IOException {
    String path = "/apis/metrics.k8s.io/v1beta1/namespaces/" + URLEncoder.encode(namespace, StandardCharsets.UTF_8)
        + "/pods" + (selector == null || selector.isEmpty() ? ""
            : "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
    String body = client.raw(path);
    if (body == null) {
      throw new IOException("unable to get metrics for resource " + resource + ": no metrics returned from resource metrics API");
    }
    JsonNode list = Json.mapper().readTree(body);
    Map<String, Long> out = new HashMap<>();
    for (JsonNode pod : list.path("items")) {
      long sum = 0;
      boolean any = false;
      for (JsonNode c : pod.path("containers")) {
        JsonNode q = c.path("usage").path(resource);
        if (q.isTextual()) {
          sum += Quantities.milli(q.asText());
          any = true;
        }
      }
      if (any) {
        out.put(pod.path("metadata").path("name").asText(), sum);
      }
    }
    return out;
  }
}

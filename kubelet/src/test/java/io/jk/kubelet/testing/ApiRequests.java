package io.jk.kubelet.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The API server's request counters ({@code apiserver_request_total} on {@code /metrics}). */
public final class ApiRequests {
  private static final Pattern VERB = Pattern.compile("verb=\"([^\"]*)\"");
  private static final Pattern RESOURCE = Pattern.compile("resource=\"([^\"]*)\"");

  private ApiRequests() {}

  /** Requests served so far by {@code "verb resource"} (e.g. {@code "patch pods/status"}), all codes together. */
  public static Map<String, Double> byVerbAndResource(KubernetesClient client) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : client.raw("/metrics").split("\n")) {
      if (line.startsWith("apiserver_request_total{")) {
        Matcher verb = VERB.matcher(line);
        Matcher resource = RESOURCE.matcher(line);
        if (verb.find() && resource.find()) {
          out.merge(verb.group(1) + " " + resource.group(1), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
              Double::sum);
        }
      }
    }
    return out;
  }
}

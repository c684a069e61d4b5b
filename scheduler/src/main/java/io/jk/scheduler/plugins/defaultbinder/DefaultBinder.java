package io.jk.scheduler.plugins.defaultbinder;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.jk.scheduler.framework.BindPlugin;
import io.jk.scheduler.framework.PodInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Binds through {@code POST /api/v1/namespaces/{ns}/pods/{name}/binding}, asynchronously on the
 * client's HTTP transport so many bindings are in flight at once and no thread waits on one.
 */
public final class DefaultBinder implements BindPlugin {
  private final HttpClient http;
  private final String base;

  /** A binder using {@code client}'s transport, credentials and server address. */
  public DefaultBinder(KubernetesClient client) {
    this.http = client.getHttpClient();
    String url = client.getMasterUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public String name() {
    return "DefaultBinder";
  }

  @Override
  public Future<Void> bind(PodInfo pod, String nodeName) {
    String ns = URLEncoder.encode(pod.namespace(), StandardCharsets.UTF_8);
    String name = URLEncoder.encode(pod.name(), StandardCharsets.UTF_8);
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":"
        + quote(pod.name()) + ",\"namespace\":" + quote(pod.namespace())
        + (pod.uid() == null ? "" : ",\"uid\":" + quote(pod.uid()))
        + "},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":" + quote(nodeName) + "}}";
    HttpRequest req = http.newHttpRequestBuilder()
        .uri(base + "/api/v1/namespaces/" + ns + "/pods/" + name + "/binding")
        .post("application/json", body).build();
    Promise<Void> done = Promise.promise();
    http.sendAsync(req, String.class).whenComplete((resp, err) -> {
      if (err != null) {
        done.tryFail(err);
      } else if (resp.code() >= 200 && resp.code() < 300) {
        done.tryComplete();
      } else {
        done.tryFail("binding " + pod.key() + " to " + nodeName + ": HTTP " + resp.code() + " "
            + resp.body());
      }
    });
    return done.future();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}

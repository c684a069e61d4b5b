package io.jk.common.client;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * PATCH requests sent as one request. fabric8's {@code withName(n).patch(PatchContext, String)} first GETs the
 * object (measured: a GET of the pod before every pod status patch), which doubles a frequent writer's requests
 * (pod status, node status, lease renewals) and adds a round trip to each; these helpers send only the PATCH.
 * Blocking: call them from worker threads, never from an event loop.
 */
public final class Patches {
  private Patches() {}

  /**
   * Sends {@code patch} as a PATCH of {@code type} to {@code path} (an API path such as
   * {@code /api/v1/namespaces/default/pods/web/status}) and returns the object the server answers with.
   *
   * @throws KubernetesClientException with the server's code and Status when it refuses, or code 0 when the
   *     request could not be made
   */
  public static <T> T patch(KubernetesClient client, String path, PatchType type, String patch, Class<T> result) {
    String body = patch(client, path, type, patch);
    return client.getKubernetesSerialization().unmarshal(body, result);
  }

  /** As {@link #patch(KubernetesClient, String, PatchType, String, Class)}, returning the body as it came. */
  public static String patch(KubernetesClient client, String path, PatchType type, String patch) {
    var http = client.getHttpClient();
    URL url;
    try {
      url = new URL(new URL(client.getMasterUrl(), "/"), path);
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("bad API path " + path, e);
    }
    var request = http.newHttpRequestBuilder().url(url).method("PATCH", type.getContentType(), patch).build();
    int timeoutMs = client.getConfiguration().getRequestTimeout();
    try {
      var response = http.sendAsync(request, String.class).get(timeoutMs > 0 ? timeoutMs : 10_000, TimeUnit.MILLISECONDS);
      String body = response.body();
      if (response.code() >= 200 && response.code() < 300) {
        return body;
      }
      Status status = null;
      try {
        status = client.getKubernetesSerialization().unmarshal(body, Status.class);
      } catch (RuntimeException notAStatus) {
        // the message below carries the body instead
      }
      String message = status != null && status.getMessage() != null ? status.getMessage() : body;
      throw new KubernetesClientException("PATCH " + path + " failed: " + response.code() + " " + message, response.code(), status);
    } catch (ExecutionException e) {
      throw new KubernetesClientException("PATCH " + path + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new KubernetesClientException("PATCH " + path + " timed out after " + timeoutMs + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("PATCH " + path + " interrupted", e);
    }
  }
}

package io.jk.kubelet.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.common.client.Patches;
import io.jk.common.json.Json;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes pods' statuses through the {@code status} subresource (JSON merge patch), only when
 * they differ from what was last written or what the API shows. Blocking; called by pod workers.
 */
public final class StatusManager {
  private static final Logger LOG = LoggerFactory.getLogger(StatusManager.class);
  private final KubernetesClient client;
  private final Map<String, PodStatus> lastSent = new ConcurrentHashMap<>();

  public StatusManager(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Writes {@code status} for {@code pod} unless it is what the API already has.
   *
   * @return whether a write happened
   */
  public boolean set(Pod pod, PodStatus status) {
    String uid = pod.getMetadata().getUid();
    PodStatus merged = withApiOnlyFields(pod.getStatus(), status);
    if (merged.equals(lastSent.get(uid)) || merged.equals(pod.getStatus())) {
      return false;
    }
    try {
      var patch = Json.mapper().createObjectNode();
      patch.set("status", Json.mapper().valueToTree(merged));
      Patches.patch(client, "/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName()
          + "/status", PatchType.JSON_MERGE, patch.toString());
      lastSent.put(uid, merged);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        LOG.warn("Status update failed pod={}/{} err={}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
            e.getMessage());
      }
      return false;
    }
  }

  /** The status last written for a pod, if any. */
  public PodStatus lastSent(String uid) {
    return lastSent.get(uid);
  }

  public void forget(String uid) {
    lastSent.remove(uid);
  }

  /** Keeps fields the kubelet does not own (nominatedNodeName, other components' conditions). */
  private static PodStatus withApiOnlyFields(PodStatus api, PodStatus mine) {
    if (api == null) {
      return mine;
    }
    if (api.getNominatedNodeName() != null) {
      mine.setNominatedNodeName(api.getNominatedNodeName());
    }
    if (api.getConditions() != null && mine.getConditions() != null) {
      for (var c : api.getConditions()) {
        boolean known = mine.getConditions().stream().anyMatch(m -> m.getType().equals(c.getType()));
        if (!known) {
          mine.getConditions().add(c);
        }
      }
    }
    return mine;
  }
}

package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about pods, as the kubelet's {@code source.component=kubelet}; never blocks the
 * caller. A repeated event (same pod, container, reason and message) raises the count of the first one.
 * Must run on a single-threaded executor.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;
  private final String nodeName;
  private final ExecutorService executor;
  /** Recent events by pod, field, reason and message; only the recorder's single thread touches the values. */
  private final java.util.Map<String, Seen> recent = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_RECENT = 4096;

  private static final class Seen {
    final String name;
    int count = 1;

    Seen(String name) {
      this.name = name;
    }
  }

  public EventRecorder(KubernetesClient client, String nodeName, ExecutorService executor) {
    this.client = client;
    this.nodeName = nodeName;
    this.executor = executor;
  }

  /** An event about {@code pod}, or about one of its containers when {@code fieldPath} is {@code spec.containers{name}}. */
  public void event(Pod pod, String fieldPath, boolean warning, String reason, String message) {
    var md = pod.getMetadata();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var ev = new EventBuilder().withNewMetadata().withNamespace(md.getNamespace())
        .withName(md.getName() + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 16)).endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withNamespace(md.getNamespace())
            .withName(md.getName()).withUid(md.getUid()).withFieldPath(fieldPath).build())
        .withReason(reason).withMessage(message).withType(warning ? "Warning" : "Normal")
        .withNewSource().withComponent("kubelet").withHost(nodeName).endSource()
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).withReportingComponent("kubelet")
        .withReportingInstance(nodeName).build();
    String key = md.getUid() + "|" + fieldPath + "|" + reason + "|" + message;
    try {
      executor.execute(() -> {
        try {
          Seen seen = recent.get(key);
          if (seen != null) {
            // the same event again: count it on the existing object, as the kubelet's event correlator does
            seen.count++;
            var patch = io.jk.common.json.Json.mapper().createObjectNode().put("count", seen.count).put("lastTimestamp", now);
            io.jk.common.client.Patches.patch(client, "/api/v1/namespaces/" + md.getNamespace() + "/events/" + seen.name,
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE, patch.toString());
            return;
          }
          client.v1().events().inNamespace(md.getNamespace()).resource(ev).create();
          if (recent.size() > MAX_RECENT) {
            recent.clear();
          }
          recent.put(key, new Seen(ev.getMetadata().getName()));
        } catch (RuntimeException e) {
          recent.remove(key);
          LOG.debug("Event not written pod={}/{} reason={} err={}", md.getNamespace(), md.getName(), reason, e.toString());
        }
      });
    } catch (RuntimeException e) {
      // executor shut down: the kubelet is stopping
    }
  }

  static String containerField(String name, boolean init) {
    return (init ? "spec.initContainers{" : "spec.containers{") + name + "}";
  }
}

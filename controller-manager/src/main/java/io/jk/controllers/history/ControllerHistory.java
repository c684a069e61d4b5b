package io.jk.controllers.history;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.common.json.Json;
import io.jk.controllers.pods.Owners;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ControllerRevision history of a DaemonSet or StatefulSet, kept as Kubernetes'
 * {@code controller_history} does, so that {@code kubectl rollout history} and
 * {@code kubectl rollout undo} work: one revision per distinct pod template, named
 * {@code <owner>-<hash>}, owned by the workload, whose {@code data} is the strategic-merge patch
 * {@code {"spec":{"template":{...,"$patch":"replace"}}}} that brings the template back. The
 * revision of the current template is always the highest (a re-used one is raised), and history
 * beyond {@code revisionHistoryLimit} is deleted oldest first, except revisions still in use.
 *
 * <p>Revisions are read with a LIST on every sync (no informer: the controller-manager's shared
 * informers are wired elsewhere), so a sync always sees what kubectl changed.
 */
public final class ControllerHistory {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerHistory.class);
  /** The label with the template hash, on revisions and on the workloads' pods. */
  public static final String HASH_LABEL = "controller-revision-hash";

  private final KubernetesClient client;

  /** A history keeper writing through {@code client}. */
  public ControllerHistory(KubernetesClient client) {
    this.client = client;
  }

  /** The {@code data} Kubernetes stores for {@code template}. */
  public static ObjectNode templatePatch(PodTemplateSpec template) {
    ObjectNode tmpl = Json.mapper().valueToTree(template);
    tmpl.put("$patch", "replace");
    ObjectNode patch = Json.mapper().createObjectNode();
    patch.putObject("spec").set("template", tmpl);
    return patch;
  }

  /** {@code <owner>-<hash>}, the name of the revision of a template with {@code hash}. */
  public static String revisionName(HasMetadata owner, String hash) {
    return owner.getMetadata().getName() + "-" + hash;
  }

  /**
   * Makes sure the revision of {@code template} exists and has the highest revision number, then
   * trims the history.
   *
   * @param owner the workload, with {@code apiVersion} and {@code kind} set
   * @param selector the workload's pod selector (revisions carry the template's labels)
   * @param hash the template hash (the revision is named {@code <owner>-<hash>})
   * @param historyLimit how many revisions besides the current one to keep
   * @param inUse whether a revision must be kept although beyond the limit (live pods use it)
   * @return the current revision
   */
  public ControllerRevision sync(HasMetadata owner, LabelSelector selector, PodTemplateSpec template, String hash,
      int historyLimit, Predicate<ControllerRevision> inUse) {
    String ns = owner.getMetadata().getNamespace();
    List<ControllerRevision> owned = new ArrayList<>(list(owner, selector));
    owned.sort(Comparator.comparingLong(ControllerHistory::revisionOf));
    long max = owned.isEmpty() ? 0 : revisionOf(owned.get(owned.size() - 1));
    String name = revisionName(owner, hash);
    ControllerRevision current = owned.stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst().orElse(null);
    if (current == null) {
      current = create(owner, template, hash, name, max + 1);
    } else if (revisionOf(current) < max) {
      // An earlier template came back (e.g. kubectl rollout undo): it becomes the newest revision.
      ControllerRevision raised = new ControllerRevisionBuilder(current).withRevision(max + 1).build();
      current = client.apps().controllerRevisions().inNamespace(ns).resource(raised).update();
      LOG.info("Raised controller revision revision={}/{} number={}", ns, name, max + 1);
    }
    String currentName = current.getMetadata().getName();
    List<ControllerRevision> old = owned.stream().filter(r -> !currentName.equals(r.getMetadata().getName())).toList();
    int toKill = old.size() - Math.max(0, historyLimit);
    for (ControllerRevision r : old) {
      if (toKill <= 0) {
        break;
      }
      if (inUse.test(r)) {
        continue;
      }
      delete(r);
      toKill--;
    }
    return current;
  }

  /** The revisions matching {@code selector} that {@code owner} controls. */
  public List<ControllerRevision> list(HasMetadata owner, LabelSelector selector) {
    var op = client.apps().controllerRevisions().inNamespace(owner.getMetadata().getNamespace());
    List<ControllerRevision> items = selector == null ? op.list().getItems() : op.withLabelSelector(selector).list().getItems();
    return items.stream().filter(r -> Owners.isControlledBy(r, owner)).toList();
  }

  private ControllerRevision create(HasMetadata owner, PodTemplateSpec template, String hash, String name, long number) {
    String ns = owner.getMetadata().getNamespace();
    Map<String, String> labels = new HashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(HASH_LABEL, hash);
    Map<String, Object> data = Json.mapper().convertValue(templatePatch(template), new TypeReference<Map<String, Object>>() {});
    ControllerRevision rev = new ControllerRevisionBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
        .withAnnotations(owner.getMetadata().getAnnotations())
        .withOwnerReferences(Owners.controllerRef(owner)).endMetadata()
        .withData(data).withRevision(number).build();
    try {
      ControllerRevision created = client.apps().controllerRevisions().inNamespace(ns).resource(rev).create();
      LOG.info("Created controller revision revision={}/{} number={}", ns, name, number);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      ControllerRevision existing = client.apps().controllerRevisions().inNamespace(ns).withName(name).get();
      if (existing != null && staleOwner(existing, owner)) {
        // Left by a deleted workload of the same name (owner names are unique, so the old owner
        // is gone): it is garbage, and this workload's revision takes its place.
        LOG.info("Replacing controller revision of a deleted owner revision={}/{}", ns, name);
        delete(existing);
        return client.apps().controllerRevisions().inNamespace(ns).resource(rev).create();
      }
      // Or created by an earlier sync whose LIST result was stale: the caller retries.
      throw new IllegalStateException("controller revision " + ns + "/" + name + " already exists; retrying", e);
    }
  }

  private void delete(ControllerRevision r) {
    try {
      client.apps().controllerRevisions().inNamespace(r.getMetadata().getNamespace()).withName(r.getMetadata().getName()).delete();
      LOG.info("Deleted old controller revision revision={}/{} number={}", r.getMetadata().getNamespace(),
          r.getMetadata().getName(), revisionOf(r));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static boolean staleOwner(ControllerRevision r, HasMetadata owner) {
    var ref = Owners.controllerOf(r);
    return ref == null || (owner.getKind().equals(ref.getKind()) && owner.getMetadata().getName().equals(ref.getName())
        && !owner.getMetadata().getUid().equals(ref.getUid()));
  }

  /** The revision number ({@code 0} when unset). */
  public static long revisionOf(ControllerRevision r) {
    return r.getRevision() == null ? 0 : r.getRevision();
  }
}

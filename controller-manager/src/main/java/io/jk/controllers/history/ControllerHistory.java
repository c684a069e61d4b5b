package io.jk.controllers.history;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.json.Json;
import io.jk.controllers.pods.LabelSelectors;
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
 * <p>Revisions are read from the shared ControllerRevision informer (by namespace), as
 * Kubernetes' controllers read their revision lister: a sync costs no request unless it writes.
 * The informer may lag behind this keeper's own writes, so those are laid over its cache until it
 * has seen them ({@link RecentWrites}): a revision just created is not created again, one just
 * deleted is not counted. Should a create still find the name taken (another process, a restart),
 * the existing revision is adopted when it is this owner's and holds the same template; a
 * revision of the same name with another template is a hash collision, reported as
 * {@link HashCollisionException} so the workload raises its {@code status.collisionCount}.
 */
public final class ControllerHistory {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerHistory.class);
  /** The label with the template hash, on revisions and on the workloads' pods. */
  public static final String HASH_LABEL = "controller-revision-hash";

  private final KubernetesClient client;
  private final RecentWrites<ControllerRevision> revisions;

  /**
   * A history keeper writing through {@code client} and reading {@code revisions} (the shared
   * informer of every namespace's ControllerRevisions, with the namespace index).
   */
  public ControllerHistory(KubernetesClient client, SharedIndexInformer<ControllerRevision> revisions) {
    this.client = client;
    this.revisions = new RecentWrites<>(revisions);
  }

  /**
   * The revision named for the current template exists with another template: the template hash
   * collides. The workload raises {@code status.collisionCount} (which changes the hash) and syncs
   * again, as Kubernetes' DaemonSet and StatefulSet controllers do.
   */
  public static final class HashCollisionException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String revisionName;

    HashCollisionException(String namespace, String revisionName) {
      super("controller revision " + namespace + "/" + revisionName + " exists with another template");
      this.revisionName = revisionName;
    }

    /** The name of the revision that holds another template. */
    public String revisionName() {
      return revisionName;
    }
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
   * @throws HashCollisionException when a revision of that name holds another template
   */
  public ControllerRevision sync(HasMetadata owner, LabelSelector selector, PodTemplateSpec template, String hash,
      int historyLimit, Predicate<ControllerRevision> inUse) {
    String ns = owner.getMetadata().getNamespace();
    List<ControllerRevision> owned = new ArrayList<>(list(owner, selector));
    owned.sort(Comparator.comparingLong(ControllerHistory::revisionOf));
    String name = revisionName(owner, hash);
    long max = owned.stream().filter(r -> !name.equals(r.getMetadata().getName()))
        .mapToLong(ControllerHistory::revisionOf).max().orElse(0);
    JsonNode data = normalized(templatePatch(template));
    ControllerRevision current = owned.stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst().orElse(null);
    if (current != null && !data.equals(normalized(current.getData()))) {
      throw new HashCollisionException(ns, name);
    }
    if (current == null) {
      current = createOrAdopt(owner, template, hash, name, max + 1, data);
    }
    if (revisionOf(current) <= max) {
      // An earlier template came back (e.g. kubectl rollout undo): it becomes the newest revision.
      ControllerRevision raised = new ControllerRevisionBuilder(current).withRevision(max + 1).build();
      current = client.apps().controllerRevisions().inNamespace(ns).resource(raised).update();
      revisions.written(current);
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

  /**
   * The revisions matching {@code selector} that {@code owner} controls, from the informer's cache
   * with this keeper's own recent writes applied (no request to the API server).
   */
  public List<ControllerRevision> list(HasMetadata owner, LabelSelector selector) {
    return revisions.inNamespace(owner.getMetadata().getNamespace()).stream()
        .filter(r -> selector == null || LabelSelectors.matches(selector, r.getMetadata().getLabels() == null
            ? Map.of() : r.getMetadata().getLabels()))
        .filter(r -> Owners.isControlledBy(r, owner)).toList();
  }

  /** The revision's data as JSON parsed from text, so that number types compare equal. */
  private static JsonNode normalized(Object data) {
    try {
      return Json.mapper().readTree(Json.mapper().writeValueAsBytes(data));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serialize controller revision data", e);
    }
  }

  private ControllerRevision createOrAdopt(HasMetadata owner, PodTemplateSpec template, String hash, String name, long number,
      JsonNode data) {
    String ns = owner.getMetadata().getNamespace();
    Map<String, String> labels = new HashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(HASH_LABEL, hash);
    Map<String, Object> payload = Json.mapper().convertValue(templatePatch(template), new TypeReference<Map<String, Object>>() {});
    ControllerRevision rev = new ControllerRevisionBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
        .withAnnotations(owner.getMetadata().getAnnotations())
        .withOwnerReferences(Owners.controllerRef(owner)).endMetadata()
        .withData(payload).withRevision(number).build();
    try {
      ControllerRevision created = client.apps().controllerRevisions().inNamespace(ns).resource(rev).create();
      revisions.written(created);
      LOG.info("Created controller revision revision={}/{} number={}", ns, name, number);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    // The name is taken although the cache did not show it to us as this owner's revision.
    ControllerRevision existing = client.apps().controllerRevisions().inNamespace(ns).withName(name).get();
    if (existing == null) {
      throw new IllegalStateException("controller revision " + ns + "/" + name + " was deleted while being created; retrying");
    }
    if (Owners.isControlledBy(existing, owner) && data.equals(normalized(existing.getData()))) {
      // Ours, created by an earlier sync or process the cache has not caught up with: adopt it.
      revisions.written(existing);
      LOG.debug("Adopted existing controller revision revision={}/{}", ns, name);
      return existing;
    }
    if (staleOwner(existing, owner)) {
      // Left by a deleted workload of the same name (owner names are unique, so the old owner
      // is gone): it is garbage, and this workload's revision takes its place.
      LOG.info("Replacing controller revision of a deleted owner revision={}/{}", ns, name);
      delete(existing);
      ControllerRevision created = client.apps().controllerRevisions().inNamespace(ns).resource(rev).create();
      revisions.written(created);
      return created;
    }
    throw new HashCollisionException(ns, name);
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
    revisions.deleted(r);
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

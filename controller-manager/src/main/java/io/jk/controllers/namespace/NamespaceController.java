package io.jk.controllers.namespace;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Empties Terminating namespaces ({@code pkg/controller/namespace}): every namespaced resource the
 * API server lists in discovery is deleted in the namespace; once nothing is left, the
 * {@code kubernetes} finalizer is removed from {@code spec.finalizers} through
 * {@code PUT /api/v1/namespaces/<ns>/finalize}, and the API server removes the namespace.
 * While content remains (e.g. pods in their grace period) the namespace is looked at again
 * every second.
 */
public final class NamespaceController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);
  /** The finalizer this controller owns. */
  public static final String FINALIZER = "kubernetes";

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaces;
  private final Controller controller;

  /** A controller over the Namespace informer. */
  public NamespaceController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces, MeterRegistry registry, int workers) {
    this.client = client;
    this.namespaces = namespaces;
    this.controller = Controller.builder("namespace", this, registry).workers(workers).watch(namespaces).build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public Result reconcile(String key) {
    Namespace ns = namespaces.getStore().getByKey(key);
    if (ns == null || ns.getMetadata().getDeletionTimestamp() == null) {
      return Result.done();
    }
    List<String> finalizers = ns.getSpec() == null || ns.getSpec().getFinalizers() == null ? List.of() : ns.getSpec().getFinalizers();
    if (!finalizers.contains(FINALIZER)) {
      return Result.done();
    }
    int remaining = 0;
    for (ResourceDefinitionContext rdc : namespacedResources()) {
      List<GenericKubernetesResource> items;
      try {
        items = client.genericKubernetesResources(rdc).inNamespace(key).list().getItems();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 || e.getCode() == 405) {
          continue;
        }
        throw e;
      }
      for (GenericKubernetesResource item : items) {
        remaining++;
        if (item.getMetadata().getDeletionTimestamp() != null) {
          continue;
        }
        try {
          client.genericKubernetesResources(rdc).inNamespace(key).withName(item.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    if (remaining > 0) {
      LOG.debug("Namespace still has content namespace={} remaining={}", key, remaining);
      return Result.requeueAfter(Duration.ofSeconds(1));
    }
    List<String> rest = new ArrayList<>(finalizers);
    rest.remove(FINALIZER);
    Namespace copy = new NamespaceBuilder(ns).editSpec().withFinalizers(rest).endSpec().build();
    try {
      client.raw(client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + key + "/finalize", "PUT", copy);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    LOG.info("Finalized namespace namespace={}", key);
    return Result.done();
  }

  /** Namespaced resources with list and delete verbs, from discovery. */
  private List<ResourceDefinitionContext> namespacedResources() {
    List<ResourceDefinitionContext> out = new ArrayList<>();
    addResources(out, "", "v1");
    for (APIGroup g : client.getApiGroups().getGroups()) {
      String gv = g.getPreferredVersion() != null ? g.getPreferredVersion().getGroupVersion() : g.getVersions().get(0).getGroupVersion();
      String version = gv.substring(gv.indexOf('/') + 1);
      addResources(out, g.getName(), version);
    }
    return out;
  }

  private void addResources(List<ResourceDefinitionContext> out, String group, String version) {
    var list = client.getApiResources(group.isEmpty() ? version : group + "/" + version);
    if (list == null) {
      return;
    }
    for (APIResource r : list.getResources()) {
      if (!Boolean.TRUE.equals(r.getNamespaced()) || r.getName().contains("/")
          || r.getVerbs() == null || !r.getVerbs().contains("list") || !r.getVerbs().contains("delete")) {
        continue;
      }
      out.add(new ResourceDefinitionContext.Builder()
          .withGroup(group).withVersion(version).withPlural(r.getName()).withKind(r.getKind()).withNamespaced(true).build());
    }
  }
}

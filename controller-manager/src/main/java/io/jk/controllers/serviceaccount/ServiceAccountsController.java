package io.jk.controllers.serviceaccount;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' service account controller ({@code pkg/controller/serviceaccount}): every active
 * namespace has a ServiceAccount named {@code default}, created with the namespace and created
 * again when deleted. Terminating namespaces are left alone. Keys are namespace names.
 */
public final class ServiceAccountsController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountsController.class);
  /** The account every namespace gets. */
  public static final String DEFAULT_ACCOUNT = "default";

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaces;
  private final SharedIndexInformer<ServiceAccount> accounts;
  private final Controller controller;

  /** A controller over the Namespace and ServiceAccount informers. */
  public ServiceAccountsController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces,
      SharedIndexInformer<ServiceAccount> accounts, MeterRegistry registry, int workers) {
    this.client = client;
    this.namespaces = namespaces;
    this.accounts = accounts;
    this.controller = Controller.builder("serviceaccount", this, registry).workers(workers)
        .watch(namespaces)
        .watch(accounts, sa -> DEFAULT_ACCOUNT.equals(sa.getMetadata().getName())
            ? List.of(sa.getMetadata().getNamespace()) : List.of())
        .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public Result reconcile(String namespace) {
    Namespace ns = namespaces.getStore().getByKey(namespace);
    if (!NamespaceState.active(ns) || accounts.getStore().getByKey(namespace + "/" + DEFAULT_ACCOUNT) != null) {
      return Result.done();
    }
    try {
      client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
          .withName(DEFAULT_ACCOUNT).withNamespace(namespace).endMetadata().build()).create();
      LOG.info("Created default service account namespace={}", namespace);
    } catch (KubernetesClientException e) {
      if (!NamespaceState.benign(e)) {
        throw e;
      }
    }
    return Result.done();
  }
}

package io.jk.controllers.serviceaccount;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' root CA certificate publisher ({@code pkg/controller/certificates/rootcacertpublisher}):
 * every active namespace has a ConfigMap {@value #NAME} whose {@code ca.crt} is the CA bundle that
 * verifies the API server's serving certificate, the {@code ca.crt} of every pod's
 * {@code kube-api-access-*} volume. It is created with the namespace, created again when deleted,
 * and its data put back when changed. Keys are namespace names.
 */
public final class RootCaPublisher implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(RootCaPublisher.class);
  /** The ConfigMap's name. */
  public static final String NAME = "kube-root-ca.crt";
  /** The key holding the CA bundle. */
  public static final String KEY = "ca.crt";
  /** Kubernetes' annotation on the ConfigMap. */
  static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using "
      + "internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed "
      + "across distributions of Kubernetes clusters.";

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaces;
  private final SharedIndexInformer<ConfigMap> configMaps;
  private final String caPem;
  private final Controller controller;

  /**
   * A publisher of {@code caPem}.
   *
   * @param caPem the CA bundle (PEM), e.g. from {@link #caOf(KubernetesClient)}
   */
  public RootCaPublisher(KubernetesClient client, SharedIndexInformer<Namespace> namespaces,
      SharedIndexInformer<ConfigMap> configMaps, String caPem, MeterRegistry registry, int workers) {
    this.client = client;
    this.namespaces = namespaces;
    this.configMaps = configMaps;
    this.caPem = Objects.requireNonNull(caPem, "caPem");
    this.controller = Controller.builder("root-ca-cert-publisher", this, registry).workers(workers)
        .watch(namespaces)
        .watch(configMaps, cm -> NAME.equals(cm.getMetadata().getName())
            ? List.of(cm.getMetadata().getNamespace()) : List.of())
        .build();
  }

  /**
   * The CA bundle the client trusts for the API server (its kubeconfig's certificate authority),
   * or null when it has none (plain HTTP).
   *
   * @throws IllegalStateException when the configured CA file cannot be read
   */
  public static String caOf(KubernetesClient client) {
    var config = client.getConfiguration();
    if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
      String data = config.getCaCertData().trim();
      return data.startsWith("-----BEGIN") ? data + "\n"
          : new String(Base64.getMimeDecoder().decode(data), StandardCharsets.US_ASCII);
    }
    if (config.getCaCertFile() != null && !config.getCaCertFile().isBlank()) {
      try {
        return Files.readString(Path.of(config.getCaCertFile()));
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot read the API server CA " + config.getCaCertFile() + ": " + e.getMessage(), e);
      }
    }
    return null;
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public Result reconcile(String namespace) {
    if (!NamespaceState.active(namespaces.getStore().getByKey(namespace))) {
      return Result.done();
    }
    ConfigMap current = configMaps.getStore().getByKey(namespace + "/" + NAME);
    Map<String, String> data = Map.of(KEY, caPem);
    try {
      if (current == null) {
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(NAME)
            .withNamespace(namespace).addToAnnotations("kubernetes.io/description", DESCRIPTION).endMetadata()
            .withData(data).build()).create();
        LOG.info("Published root CA namespace={}", namespace);
      } else if (!data.equals(current.getData()) || current.getBinaryData() != null && !current.getBinaryData().isEmpty()) {
        // an update on the cached version: a concurrent change makes it a 409, retried with the newer one
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder(current).withData(data)
            .withBinaryData(null).build()).update();
        LOG.info("Restored root CA namespace={}", namespace);
      }
    } catch (KubernetesClientException e) {
      if (!(current == null && NamespaceState.benign(e))) {
        throw e;
      }
    }
    return Result.done();
  }
}

package io.jk.common.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the fabric8 clients every jk component uses to talk to the API server.
 *
 * <p>The HTTP transport is fabric8's Vert.x client (the only one on the class path). Watches
 * use plain chunked HTTP ({@code onlyHttpWatches}), which the jk API server serves directly.
 */
public final class Clients {

  private Clients() {}

  /** A client for the cluster and user that the kubeconfig file's current context names. */
  public static KubernetesClient fromKubeconfig(Path kubeconfig) {
    try {
      Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
      return fromConfig(config);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
    }
  }

  /** A client for {@code config}, with jk's transport settings applied. */
  public static KubernetesClient fromConfig(Config config) {
    config.setOnlyHttpWatches(true);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}

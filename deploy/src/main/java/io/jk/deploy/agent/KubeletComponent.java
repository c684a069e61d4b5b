package io.jk.deploy.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.deploy.Component;
import io.jk.kubelet.cli.DependenciesProvider;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletCommand;
import io.jk.kubelet.cli.KubeletConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import picocli.CommandLine;

/**
 * The kubelet as a {@link Component} of {@code jk server} (local agent) or {@code jk agent}: its
 * configuration comes from {@code jk kubelet}'s own flags, its node services (images, CNI,
 * volumes) from the {@link DependenciesProvider} on the class path, and it talks to the API
 * server only with the node's kubeconfig.
 */
public final class KubeletComponent implements Component {

  private final Vertx vertx;
  private final List<String> kubeletArgs;
  private final Promise<Void> terminated = Promise.promise();
  private volatile KubeletCommand.Running running;
  private volatile KubernetesClient client;
  private volatile KubeletConfig configRef;

  /** @param kubeletArgs flags of {@code jk kubelet} ({@code --kubeconfig}, {@code --node-name}, ...) */
  public KubeletComponent(Vertx vertx, List<String> kubeletArgs) {
    this.vertx = vertx;
    this.kubeletArgs = List.copyOf(kubeletArgs);
  }

  /** The node services on the class path, if this build has them. */
  public static Optional<DependenciesProvider> provider() {
    return ServiceLoader.load(DependenciesProvider.class).stream().map(ServiceLoader.Provider::get)
        .max(Comparator.comparingInt(DependenciesProvider::priority));
  }

  /** Where jkrt, jkshim and pause are: the distribution's libexec, else $JK_RUNTIME_BIN, else the kubelet's default. */
  public static Path runtimeBinDir() {
    String home = System.getProperty("jk.home");
    if (home != null && Files.isExecutable(Path.of(home, "libexec", "jkshim"))) {
      return Path.of(home, "libexec");
    }
    String env = System.getenv("JK_RUNTIME_BIN");
    return env != null ? Path.of(env) : Path.of("/usr/lib/jk/bin");
  }

  @Override
  public String name() {
    return "kubelet";
  }

  @Override
  public Future<Void> start() {
    KubeletCommand command = new KubeletCommand();
    return vertx.<Kubelet.Dependencies>executeBlocking(() -> {
      new CommandLine(command).parseArgs(kubeletArgs.toArray(String[]::new));
      List<String> errors = new ArrayList<>();
      KubeletConfig config = command.config(errors);
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", errors));
      }
      DependenciesProvider deps = provider().orElseThrow(() ->
          new IllegalStateException("no image service, CNI and volume implementation in this build"));
      int i = kubeletArgs.indexOf("--kubeconfig");
      client = Clients.fromKubeconfig(Path.of(kubeletArgs.get(i + 1)));
      configRef = config;
      return deps.create(config, client);
    }, false).compose(deps -> command.start(vertx, configRef, client, deps)).map(r -> {
      running = r;
      return null;
    });
  }

  @Override
  public Future<Void> stop() {
    Future<Void> stopped = running == null ? Future.succeededFuture() : running.stop();
    return stopped.eventually(() -> {
      if (client != null) {
        client.close();
      }
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> terminated() {
    return terminated.future();
  }
}

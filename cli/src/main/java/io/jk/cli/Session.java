package io.jk.cli;

/**
 * What a command needs to talk to the cluster: the client for the chosen context, discovery
 * (from the disk cache or fetched once, on first use) and the namespace in effect.
 */
public final class Session {

  private final Kubeconfig.Target target;
  private final String namespaceFlag;
  private final java.nio.file.Path cacheDir;
  private final ApiClients clients;
  private ApiClient api;
  private Discovery discovery;

  Session(Kubeconfig config, String context, String namespace, java.nio.file.Path cacheDir, ApiClients clients) {
    this.target = config.target(context);
    this.namespaceFlag = namespace;
    this.cacheDir = cacheDir;
    this.clients = clients;
  }

  /** The API client. */
  public ApiClient api() {
    if (api == null) {
      api = clients.open(target);
    }
    return api;
  }

  /** The server's resource types. */
  public Discovery discovery() {
    if (discovery == null) {
      discovery = Discovery.load(api(), cacheDir == null ? null : Discovery.cacheFile(cacheDir, target.server()));
      Trace.mark("discovery");
    }
    return discovery;
  }

  /** {@code -n}, else the context's namespace, else {@code default}. */
  public String namespace() {
    return namespaceFlag != null && !namespaceFlag.isBlank() ? namespaceFlag : target.namespace();
  }

  /** Whether {@code -n} was given. */
  public boolean namespaceGiven() {
    return namespaceFlag != null && !namespaceFlag.isBlank();
  }
}

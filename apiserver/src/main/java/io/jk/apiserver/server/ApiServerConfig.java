package io.jk.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.Authenticator;
import io.jk.apiserver.auth.Authorizers;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.resources.FieldTypes;
import io.jk.apiserver.resources.Strategies;
import io.jk.apiserver.resources.UnknownFields;
import io.jk.apiserver.rest.RestHandler;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How an {@link ApiServer} runs. Build with {@link #defaults()} and the {@code with*} methods.
 *
 * @param bindAddress address to listen on
 * @param port port to listen on ({@code 0}: any free port)
 * @param advertiseAddress address clients are told to use ({@code /api}'s serverAddressByClientCIDRs)
 * @param serviceClusterIpRange CIDR for Service ClusterIPs
 * @param serviceNodePortRange range for NodePorts, e.g. {@code 30000-32767}
 * @param strategies the strategy of each resource type
 * @param unknownFields the unknown-field finder for {@code fieldValidation}
 * @param bookmarkIntervalMs how often watches with {@code allowWatchBookmarks} get a BOOKMARK
 * @param tls configures HTTPS on the server options ({@code null}: plain HTTP)
 * @param watchCacheEvents how many recent events the watch cache keeps (watches from older revisions get 410)
 * @param publicRoutes routes an embedding launcher mounts before authentication (they check their
 *     own credentials, e.g. the join endpoint); {@code null}: none
 * @param authenticator who sent each request ({@code null}: no authentication or authorization,
 *     for in-process tests); with one, requests are authorized by the {@code authorizationModes} chain
 * @param kubeletCredentials the API server's client certificate towards kubelets (pods/log,
 *     pods/exec, nodes/proxy); {@code null}: none
 * @param authorizationModes the authorizer chain when there is an authenticator, Kubernetes'
 *     {@code --authorization-mode} values in order (default {@code Node,RBAC})
 */
public record ApiServerConfig(
    String bindAddress,
    int port,
    String advertiseAddress,
    String serviceClusterIpRange,
    String serviceNodePortRange,
    Function<ResourceType, ResourceStrategy> strategies,
    RestHandler.UnknownFields unknownFields,
    long bookmarkIntervalMs,
    Consumer<HttpServerOptions> tls,
    int watchCacheEvents,
    Authenticator authenticator,
    Consumer<Router> publicRoutes,
    KubeletClientCredentials kubeletCredentials,
    List<String> authorizationModes) {

  /** An immutable copy of the modes; null means the default ({@code Node,RBAC}). */
  public ApiServerConfig {
    authorizationModes = authorizationModes == null ? Authorizers.DEFAULT_MODES : List.copyOf(authorizationModes);
  }

  /**
   * Plain HTTP on 127.0.0.1 and a free port, the built-in strategies and unknown-field schemas,
   * Kubernetes' default ranges, no authentication.
   */
  public static ApiServerConfig defaults() {
    return new ApiServerConfig("127.0.0.1", 0, "127.0.0.1", "10.96.0.0/12", "30000-32767",
        t -> Strategies.forKind(t.group(), t.kind()),
        MODEL_SCHEMAS, 60_000, null, 10_000, null, null, null, null);
  }

  /** Unknown fields and wrong value types, from the built-in kinds' schemas. */
  private static final RestHandler.UnknownFields MODEL_SCHEMAS = new RestHandler.UnknownFields() {
    @Override
    public List<String> find(ResourceType t, ObjectNode o) {
      return UnknownFields.find(t.group(), t.version(), t.kind(), o);
    }

    @Override
    public List<String> wrongTypes(ResourceType t, ObjectNode o) {
      return FieldTypes.find(t.group(), t.version(), t.kind(), o);
    }
  };

  public ApiServerConfig withListen(String address, int listenPort) {
    return new ApiServerConfig(address, listenPort, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withAdvertiseAddress(String address) {
    return new ApiServerConfig(bindAddress, port, address, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withServiceRanges(String cidr, String nodePorts) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, cidr, nodePorts,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withStrategies(Function<ResourceType, ResourceStrategy> s) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        s, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withUnknownFields(RestHandler.UnknownFields u) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, u, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withBookmarkInterval(long ms) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, ms, tls, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withTls(Consumer<HttpServerOptions> t) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, t, watchCacheEvents, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withAuthenticator(Authenticator a) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, a, publicRoutes, kubeletCredentials, authorizationModes);
  }

  public ApiServerConfig withWatchCacheEvents(int events) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, events, authenticator, publicRoutes, kubeletCredentials, authorizationModes);
  }

  /** A copy whose {@code routes} are mounted before authentication (they authenticate themselves). */
  public ApiServerConfig withPublicRoutes(Consumer<Router> routes) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, routes, kubeletCredentials, authorizationModes);
  }

  /** A copy presenting {@code credentials} to kubelets (pods/log, pods/exec, nodes/proxy). */
  public ApiServerConfig withKubeletCredentials(KubeletClientCredentials credentials) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes, credentials, authorizationModes);
  }

  /** A copy authorizing with {@code modes} ({@code --authorization-mode}, e.g. {@code [Node, RBAC]}). */
  public ApiServerConfig withAuthorizationModes(List<String> modes) {
    return new ApiServerConfig(bindAddress, port, advertiseAddress, serviceClusterIpRange, serviceNodePortRange,
        strategies, unknownFields, bookmarkIntervalMs, tls, watchCacheEvents, authenticator, publicRoutes,
        kubeletCredentials, modes);
  }
}

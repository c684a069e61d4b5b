package io.jk.apiserver.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.storage.Store;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves the {@code nodes/<name>/proxy[/<path>]} subresource: any method, forwarded to
 * {@code https://<InternalIP>:<kubelet port>/<path>?<query>} with the API server's kubelet client
 * credentials, bodies streamed both ways (a {@code POST .../proxy/images/import} of an image
 * archive of tens of MB is never held in memory whole, nor capped at the API's 3 MiB).
 *
 * <p>Mount it before any body handler: {@link #isProxyPath} tells which requests it takes, and
 * they must stay paused (unread) until {@link #handle} forwards them. Authorization
 * ({@code nodes/proxy}: cluster administrators only, never a node) is the authorizer's job, as in
 * Kubernetes.
 */
public final class NodeProxy {

  private static final Pattern PATH = Pattern.compile("^/api/v1/nodes/([^/]+)/proxy(/.*)?$");

  private final Store store;
  private final ResourceType nodes;
  private final KubeletProxy kubelets;

  /**
   * A node proxy reading Nodes from {@code store} and reaching kubelets through {@code kubelets}.
   *
   * @param nodes the nodes resource type (for keys and 404 messages)
   */
  public NodeProxy(Store store, ResourceType nodes, KubeletProxy kubelets) {
    this.store = store;
    this.nodes = nodes;
    this.kubelets = kubelets;
  }

  private static final String NODES = "/api/v1/nodes/";

  /**
   * Whether {@code path} (without query) addresses the {@code nodes/<name>/proxy} subresource: the
   * language of {@link #PATH}, scanned rather than matched, as every request asks it.
   */
  public static boolean isProxyPath(String path) {
    if (path == null || !path.startsWith(NODES)) {
      return false;
    }
    int slash = path.indexOf('/', NODES.length());
    if (slash <= NODES.length() || !path.startsWith("/proxy", slash)) {
      return false;
    }
    int end = slash + "/proxy".length();
    return (end == path.length() || path.charAt(end) == '/') && path.indexOf('\n', end) < 0 && path.indexOf('\r', end) < 0;
  }

  /** Forwards {@code ctx} to the node's kubelet and relays the answer; answers {@code ctx} itself. */
  public void handle(RoutingContext ctx) {
    Matcher m = PATH.matcher(ctx.request().path());
    if (!m.matches()) {
      HttpReplies.fail(ctx, ApiException.notFoundPath());
      return;
    }
    String name = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    String rest = m.group(2) == null ? "/" : m.group(2);
    String query = ctx.request().query();
    String uri = query == null || query.isEmpty() ? rest : rest + "?" + query;
    ctx.put("verb", ctx.request().method().name().toLowerCase(java.util.Locale.ROOT));
    ctx.put("resource", "nodes/proxy");
    store.get(nodes.key(null, name)).compose(kv -> {
      if (kv == null) {
        return Future.<ObjectNode>failedFuture(ApiException.notFound(nodes, name));
      }
      try {
        return Future.succeededFuture((ObjectNode) Json.mapper().readTree(kv.value()));
      } catch (IOException | ClassCastException e) {
        return Future.failedFuture(ApiException.internal("stored node " + name + " cannot be read"));
      }
    }).onSuccess(node -> {
      try {
        KubeletAddress address = KubeletAddress.of(node);
        kubelets.forward(ctx, name, address.host(), address.port(), uri);
      } catch (ApiException e) {
        HttpReplies.fail(ctx, e);
      }
    }).onFailure(e -> HttpReplies.fail(ctx, e));
  }
}

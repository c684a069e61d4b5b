package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.storage.Store;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one REST handler of every resource: get, list, watch, create, update, patch, delete and
 * deletecollection over the {@link Store}, with the per-kind rules of a {@link ResourceStrategy},
 * and the subresources {@code status}, {@code scale}, {@code binding}, {@code eviction},
 * {@code finalize}, {@code log} and {@code exec}.
 *
 * <p>Objects are stored as JSON without {@code resourceVersion}, which is set from the store
 * revision on read. Every failure is answered with a {@code metav1.Status}.
 *
 * <p>This class routes a request by method and subresource; the verbs live in {@link Reads},
 * {@link Watches}, {@link Creates}, {@link Updates}, {@link Deletes} and {@link PodSubresources},
 * with {@link RequestBodies}, {@link FieldValidation} and {@link NamespaceLifecycle} beside them.
 */
public final class RestHandler {

  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);

  private final ResourceTypes types;
  private final Function<ResourceType, ResourceStrategy> strategies;
  private final Watches watches;
  private final Reads reads;
  private final Creates creates;
  private final Updates updates;
  private final Deletes deletes;
  private final PodSubresources pods;

  /**
   * Finds fields of an object its kind does not have, for {@code fieldValidation}.
   */
  @FunctionalInterface
  public interface UnknownFields {
    /** Paths such as {@code spec.foo} of unknown fields; empty when all are known. */
    List<String> find(ResourceType type, ObjectNode obj);

    /**
     * Known fields whose JSON value has the wrong type ({@code spec.replicas: expected an integer (int32),
     * got a string}); none by default.
     */
    default List<String> wrongTypes(ResourceType type, ObjectNode obj) {
      return List.of();
    }
  }

  /**
   * Things done around writes of particular kinds (ClusterIP/NodePort allocation).
   */
  public interface WriteHooks {
    /** Before a create is stored: may fill fields; fails with an {@link ApiException}. */
    default void beforeCreate(ResourceType type, ObjectNode obj) {}

    /**
     * Before a create is stored or dry-run, after the namespace check and before {@link #beforeCreate}:
     * may look things up without blocking and fill fields (ServiceAccount admission); fails with an
     * {@link ApiException}.
     */
    default Future<Void> admitCreate(ResourceType type, ObjectNode obj) {
      return Future.succeededFuture();
    }

    /**
     * Before a dry-run create ({@code dryRun=All}) is answered: the same checks and defaults as
     * {@link #beforeCreate}, but taking nothing that would have to be released (no allocation).
     */
    default void beforeDryRunCreate(ResourceType type, ObjectNode obj) {}

    /** Before an update is stored. */
    default void beforeUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {}

    /**
     * Before a dry-run update is answered: by default {@link #beforeUpdate}; hooks that take or
     * free something on update override it to check without doing so.
     */
    default void beforeDryRunUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
      beforeUpdate(type, obj, old);
    }

    /** After a create failed to be stored, or an object was removed: release what it held. */
    default void released(ResourceType type, ObjectNode obj) {}

    /** No hooks. */
    WriteHooks NONE = new WriteHooks() {};
  }

  public RestHandler(ResourceTypes types, Store store, Function<ResourceType, ResourceStrategy> strategies,
      UnknownFields unknownFields, WriteHooks hooks, Watches watches, KubeletProxy kubelets) {
    this.types = types;
    this.strategies = strategies;
    this.watches = watches;
    NamespaceLifecycle namespaces = new NamespaceLifecycle(types, store);
    FieldValidation fields = new FieldValidation(unknownFields);
    this.reads = new Reads(store, strategies);
    this.creates = new Creates(store, strategies, hooks, namespaces, fields);
    this.updates = new Updates(store, strategies, hooks, namespaces, fields, creates);
    this.deletes = new Deletes(store, strategies, hooks, namespaces);
    this.pods = new PodSubresources(types, store, reads, updates, deletes, kubelets);
  }

  /** Serves one resource request: answers {@code ctx} with the result or a Status. */
  public void handle(RoutingContext ctx) {
    Future<Reply> reply;
    try {
      String bindingsNs = PodSubresources.bindingsNamespace(ctx);
      if (bindingsNs != null) {
        reply = pods.bindings(ctx, bindingsNs);
        reply.onComplete(ar -> {
          if (ar.succeeded()) {
            HttpReplies.send(ctx, ar.result());
          } else {
            HttpReplies.fail(ctx, ar.cause());
          }
        });
        return;
      }
      RequestInfo info = RequestInfo.parse(ctx.request().path(), types);
      ctx.put("resource", info.type().resource() + (info.subresource() == null ? "" : "/" + info.subresource()));
      reply = dispatch(ctx, info);
    } catch (ApiException e) {
      reply = Future.failedFuture(e);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        if (ar.result() != null) {
          HttpReplies.send(ctx, ar.result());
        }
      } else {
        HttpReplies.fail(ctx, ar.cause());
      }
    });
  }

  private Future<Reply> dispatch(RoutingContext ctx, RequestInfo info) {
    HttpMethod m = ctx.request().method();
    String sub = info.subresource();
    boolean named = info.name() != null;
    if (m == HttpMethod.GET) {
      if (!named) {
        if (RequestBodies.isTrue(ctx.queryParams().get("watch"))) {
          verb(ctx, "watch");
          watches.serve(ctx, info, strategy(info.type()));
          return Future.succeededFuture(null);
        }
        verb(ctx, "list");
        return reads.list(ctx, info);
      }
      verb(ctx, "get");
      if (sub == null || sub.equals("status")) {
        return reads.get(info).map(o -> Reply.of(200, reads.render(ctx, info, o)));
      }
      if (sub.equals("scale")) {
        return reads.get(info).map(o -> Reply.of(200, Scales.toScale(o)));
      }
      if (sub.equals("log") || sub.equals("exec") || sub.equals("attach") || sub.equals("portforward")) {
        if (!sub.equals("log")) {
          verb(ctx, "create"); // a WebSocket GET opens a stream into the pod: Kubernetes asks for create
        }
        return pods.podStream(ctx, info);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.POST) {
      if (!named) {
        verb(ctx, "create");
        return creates.create(ctx, info, RequestBodies.body(ctx));
      }
      verb(ctx, "create");
      if ("binding".equals(sub)) {
        return pods.bind(info, RequestBodies.body(ctx));
      }
      if ("eviction".equals(sub)) {
        return pods.evict(ctx, info, RequestBodies.body(ctx));
      }
      if ("exec".equals(sub) || "attach".equals(sub) || "portforward".equals(sub)) {
        return pods.podStream(ctx, info);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.PUT && named) {
      verb(ctx, "update");
      if (sub == null || sub.equals("status") || sub.equals("finalize")) {
        return updates.update(ctx, info, RequestBodies.body(ctx));
      }
      if (sub.equals("scale")) {
        return updates.updateScale(ctx, info, RequestBodies.body(ctx), false);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.PATCH && named) {
      verb(ctx, "patch");
      if (sub == null || sub.equals("status")) {
        return updates.patch(ctx, info);
      }
      if (sub.equals("scale")) {
        return updates.updateScale(ctx, info, null, true);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.DELETE && sub == null) {
      // by its content type: kubectl and fabric8 send JSON, client-go's typed clients may send protobuf
      JsonNode body = ctx.body().length() > 0 ? RequestBodies.parse(ctx.body().buffer(), ctx.request().getHeader("Content-Type")) : null;
      DeleteOptions opts = DeleteOptions.from(body, ctx.queryParams()::get);
      if (named) {
        verb(ctx, "delete");
        return deletes.delete(info, opts).map(o -> Reply.of(200, o));
      }
      verb(ctx, "deletecollection");
      return deletes.deleteCollection(ctx, info, opts);
    }
    throw methodNotAllowed(m, info);
  }

  static void verb(RoutingContext ctx, String verb) {
    ctx.put("verb", verb);
  }

  private static ApiException methodNotAllowed(HttpMethod m, RequestInfo info) {
    return ApiException.methodNotAllowed("the server does not allow this method on the requested resource ("
        + m.name() + " " + info.type().resource() + (info.subresource() == null ? "" : "/" + info.subresource()) + ")");
  }

  private ResourceStrategy strategy(ResourceType type) {
    return strategies.apply(type);
  }

  static {
    LOG.debug("RestHandler loaded");
  }
}

package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The delete verbs: delete with DeleteOptions (preconditions, grace period, propagation-policy
 * finalizers; Namespaces and scheduled Pods are marked rather than removed) and deletecollection.
 */
final class Deletes {

  private final Store store;
  private final Function<ResourceType, ResourceStrategy> strategies;
  private final RestHandler.WriteHooks hooks;
  private final NamespaceLifecycle namespaces;

  Deletes(Store store, Function<ResourceType, ResourceStrategy> strategies, RestHandler.WriteHooks hooks,
      NamespaceLifecycle namespaces) {
    this.store = store;
    this.strategies = strategies;
    this.hooks = hooks;
    this.namespaces = namespaces;
  }

  /** Deletes the addressed object following {@code opts}; the result is what kubectl prints. */
  Future<ObjectNode> delete(RequestInfo info, DeleteOptions opts) {
    Promise<ObjectNode> done = Promise.promise();
    attemptDelete(info, opts, 0, done);
    return done.future();
  }

  private void attemptDelete(RequestInfo info, DeleteOptions opts, int attempt, Promise<ObjectNode> done) {
    ResourceType type = info.type();
    store.get(info.key()).compose(kv -> {
      if (kv == null) {
        throw ApiException.notFound(type, info.name());
      }
      ObjectNode obj = Objects.decode(kv);
      ObjectNode meta = Objects.meta(obj);
      if (opts.uid() != null && !opts.uid().equals(meta.path("uid").asText())) {
        throw ApiException.conflict(type, info.name(), "Precondition failed: UID in precondition: " + opts.uid()
            + ", UID in object meta: " + meta.path("uid").asText());
      }
      if (opts.resourceVersion() != null && !opts.resourceVersion().equals(meta.path("resourceVersion").asText())) {
        throw ApiException.conflict(type, info.name(), "Precondition failed: ResourceVersion in precondition: "
            + opts.resourceVersion() + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
      }
      ObjectNode next = obj.deepCopy();
      ObjectNode nm = Objects.meta(next);
      boolean graceful = false;
      if (type.kind().equals("Namespace") && type.group().isEmpty()) {
        if (!nm.has("deletionTimestamp")) {
          nm.put("deletionTimestamp", Objects.now());
          nm.put("deletionGracePeriodSeconds", 0);
        }
        next.with("status").put("phase", "Terminating");
        graceful = next.path("spec").path("finalizers").size() > 0;
      } else if (type.kind().equals("Pod") && type.group().isEmpty()) {
        String node = next.path("spec").path("nodeName").asText("");
        String phase = next.path("status").path("phase").asText("");
        long grace = opts.gracePeriodSeconds() != null ? opts.gracePeriodSeconds()
            : next.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        if (node.isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
          grace = 0;
        }
        if (grace > 0) {
          long current = nm.path("deletionGracePeriodSeconds").asLong(Long.MAX_VALUE);
          if (!nm.has("deletionTimestamp") || grace < current) {
            nm.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
            nm.put("deletionGracePeriodSeconds", grace);
          }
          graceful = true;
        } else {
          nm.put("deletionGracePeriodSeconds", 0);
        }
      }
      ArrayNode finalizers = nm.has("finalizers") && nm.get("finalizers").isArray()
          ? (ArrayNode) nm.get("finalizers") : nm.putArray("finalizers");
      if ("Foreground".equals(opts.propagationPolicy())) {
        addFinalizer(finalizers, "foregroundDeletion");
        removeFinalizer(finalizers, "orphan");
      } else if ("Orphan".equals(opts.propagationPolicy())) {
        addFinalizer(finalizers, "orphan");
        removeFinalizer(finalizers, "foregroundDeletion");
      }
      if (finalizers.isEmpty()) {
        nm.remove("finalizers");
      }
      if (finalizers.size() > 0) {
        graceful = true;
        if (!nm.has("deletionTimestamp")) {
          nm.put("deletionTimestamp", Objects.now());
          nm.put("deletionGracePeriodSeconds", 0);
        }
      }
      if (graceful) {
        if (opts.dryRun() || Updates.sameIgnoringVersion(next, obj)) {
          return Future.succeededFuture(next);
        }
        return store.update(info.key(), Objects.encode(next), kv.modRevision()).map(u -> Objects.stored(next, u));
      }
      if (opts.dryRun()) {
        return Future.succeededFuture(obj);
      }
      return store.delete(info.key(), kv.modRevision()).map(d -> {
        hooks.released(type, obj);
        return Objects.decode(d.value(), d.modRevision());
      });
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        namespaces.written(type, ar.result());
        done.complete(ar.result());
      } else if (ar.cause() instanceof StoreException.Conflict && attempt < Updates.MAX_RETRIES) {
        attemptDelete(info, opts, attempt + 1, done);
      } else if (ar.cause() instanceof StoreException.NotFound) {
        done.fail(ApiException.notFound(type, info.name()));
      } else {
        done.fail(ar.cause());
      }
    });
  }

  private static void addFinalizer(ArrayNode f, String name) {
    for (JsonNode n : f) {
      if (n.asText().equals(name)) {
        return;
      }
    }
    f.add(name);
  }

  private static void removeFinalizer(ArrayNode f, String name) {
    for (int i = f.size() - 1; i >= 0; i--) {
      if (f.get(i).asText().equals(name)) {
        f.remove(i);
      }
    }
  }

  Future<Reply> deleteCollection(RoutingContext ctx, RequestInfo info, DeleteOptions opts) {
    Predicate<ObjectNode> filter = Reads.filter(ctx, info, strategies.apply(info.type()));
    return store.list(info.collectionPrefix(), null, 0, 0).compose(res -> {
      List<Future<ObjectNode>> all = new ArrayList<>();
      for (KeyValue kv : res.items()) {
        ObjectNode o = Objects.decode(kv);
        if (filter.test(o)) {
          RequestInfo one = new RequestInfo(info.type(), Objects.metaText(o, "namespace").isEmpty() ? null
              : Objects.metaText(o, "namespace"), Objects.metaText(o, "name"), null);
          all.add(delete(one, opts).recover(e -> e instanceof ApiException a && a.code() == 404
              ? Future.succeededFuture(null) : Future.failedFuture(e)));
        }
      }
      return Future.all(all).map(cf -> {
        ObjectNode list = Json.mapper().createObjectNode();
        list.put("kind", info.type().kind() + "List").put("apiVersion", info.type().groupVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(res.revision()));
        ArrayNode items = list.putArray("items");
        for (Future<ObjectNode> f : all) {
          if (f.result() != null) {
            items.add(f.result());
          }
        }
        return Reply.of(200, list);
      });
    });
  }
}

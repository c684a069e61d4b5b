package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.patch.PatchException;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.apiserver.patch.ServerSideApply;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The update verbs: PUT (also of {@code status} and {@code finalize}), the four patch types
 * (server-side apply creating a missing object), and {@code scale}; each a read, the change, the
 * strategy's update rules and a compare-and-swap write, retried on conflicts where Kubernetes does.
 */
final class Updates {

  /** Compare-and-swap attempts before a write gives up with 409 (also used by {@link Deletes}). */
  static final int MAX_RETRIES = 16;

  private final Store store;
  private final Function<ResourceType, ResourceStrategy> strategies;
  private final RestHandler.WriteHooks hooks;
  private final NamespaceLifecycle namespaces;
  private final FieldValidation fields;
  private final Creates creates;

  Updates(Store store, Function<ResourceType, ResourceStrategy> strategies, RestHandler.WriteHooks hooks,
      NamespaceLifecycle namespaces, FieldValidation fields, Creates creates) {
    this.store = store;
    this.strategies = strategies;
    this.hooks = hooks;
    this.namespaces = namespaces;
    this.fields = fields;
    this.creates = creates;
  }

  Future<Reply> update(RoutingContext ctx, RequestInfo info, JsonNode body) {
    ResourceType type = info.type();
    ObjectNode obj = RequestBodies.objectBody(body, type, type.kind(), type.groupVersion());
    String bodyName = Objects.metaText(obj, "name");
    if (!bodyName.isEmpty() && !bodyName.equals(info.name())) {
      throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
          + info.name() + ")");
    }
    String ns = Objects.metaText(obj, "namespace");
    if (type.namespaced() && !ns.isEmpty() && !ns.equals(info.namespace())) {
      throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    List<String> warnings = fields.check(ctx, type, obj);
    String rv = Objects.metaText(obj, "resourceVersion");
    boolean conditional = !rv.isEmpty();
    return guaranteedUpdate(info, current -> {
      if (conditional && !rv.equals(Objects.metaText(current, "resourceVersion"))) {
        throw ApiException.conflict(type, info.name());
      }
      ObjectNode next = obj.deepCopy();
      if ("finalize".equals(info.subresource())) {
        ObjectNode merged = current.deepCopy();
        JsonNode finalizers = next.path("spec").path("finalizers");
        if (finalizers.isMissingNode() || finalizers.isNull()) {
          merged.with("spec").remove("finalizers"); // none left: the namespace can go
        } else {
          merged.with("spec").set("finalizers", finalizers.deepCopy());
        }
        return merged;
      }
      return next;
    }, !conditional, RequestBodies.dryRun(ctx), RequestBodies.manager(ctx)).map(o -> Reply.of(200, o).withWarnings(warnings));
  }

  Future<Reply> patch(RoutingContext ctx, RequestInfo info) {
    String ct = ctx.request().getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    JsonNode patch;
    switch (mt) {
      case "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
          "application/apply-patch+yaml" -> patch = RequestBodies.body(ctx);
      default -> throw ApiException.unsupportedMediaType(ct);
    }
    ResourceType type = info.type();
    boolean apply = mt.equals("application/apply-patch+yaml");
    if (apply && ctx.queryParams().get("fieldManager") == null) {
      throw ApiException.badRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
    }
    // unknown fields are looked for in the patched object (patches carry $-directives), for apply in the configuration
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    if (!mt.equals("application/json-patch+json") && !(patch instanceof ObjectNode)) {
      throw ApiException.badRequest("the patch must be a JSON object");
    }
    if (apply) {
      warnings.addAll(fields.check(ctx, type, stripped((ObjectNode) patch)));
    }
    boolean dry = RequestBodies.dryRun(ctx);
    PatchSchema schema = PatchSchema.forKind(type.group(), type.kind());
    String manager = ctx.queryParams().get("fieldManager");
    boolean force = "true".equals(ctx.queryParams().get("force"));
    Future<ObjectNode> result = guaranteedUpdate(info, current -> {
      JsonNode out = switch (mt) {
        case "application/json-patch+json" -> Patches.jsonPatch(current, patch);
        case "application/merge-patch+json" -> Patches.mergePatch(current, patch);
        case "application/strategic-merge-patch+json" -> Patches.strategicMergePatch(current, patch, schema);
        default -> serverSideApply(info, current, (ObjectNode) patch, manager, force, schema);
      };
      if (!(out instanceof ObjectNode o)) {
        throw ApiException.badRequest("the patch result is not an object");
      }
      String k = o.path("kind").asText(type.kind());
      String v = o.path("apiVersion").asText(type.groupVersion());
      if (!k.equals(type.kind()) || !v.equals(type.groupVersion())) {
        throw ApiException.badRequest("the patch may not change the kind or apiVersion of the object");
      }
      if (!apply) {
        List<String> w = fields.check(ctx, type, stripped(o));
        warnings.clear();
        warnings.addAll(w);
      }
      return o;
    }, true, dry, apply ? null : RequestBodies.manager(ctx));
    if (apply && info.subresource() == null) {
      result = result.recover(e -> {
        if (e instanceof ApiException a && a.code() == 404) {
          ObjectNode obj = RequestBodies.objectBody(serverSideApply(info, null, (ObjectNode) patch, manager, force, schema),
              type, type.kind(), type.groupVersion());
          if (Objects.metaText(obj, "name").isEmpty()) {
            Objects.meta(obj).put("name", info.name());
          }
          return creates.createObject(info, obj, dry, null).map(o -> {
            o.put("__created", true);
            return o;
          });
        }
        return Future.failedFuture(e);
      });
    }
    return result.map(o -> {
      boolean created = o.remove("__created") != null;
      return Reply.of(created ? 201 : 200, o).withWarnings(warnings);
    });
  }

  /** Server-side apply of {@code applied} onto {@code live} (null: create); 409 with causes on conflicts. */
  private static ObjectNode serverSideApply(RequestInfo info, ObjectNode live, ObjectNode applied, String manager,
      boolean force, PatchSchema schema) {
    ServerSideApply.Result r;
    try {
      r = ServerSideApply.apply(live, stripped(applied), manager, force, schema, Instant.now());
    } catch (PatchException e) {
      throw HttpReplies.toApi(e);
    }
    if (!r.ok()) {
      ObjectNode d = Json.mapper().createObjectNode();
      d.put("name", info.name());
      if (!info.type().group().isEmpty()) {
        d.put("group", info.type().group());
      }
      d.put("kind", info.type().resource());
      ArrayNode causes = d.putArray("causes");
      for (ServerSideApply.Conflict c : r.conflicts()) {
        causes.addObject().put("reason", "FieldManagerConflict").put("message", c.causeMessage()).put("field", c.field());
      }
      throw new ApiException(409, "Conflict", r.conflictMessage(), d);
    }
    return r.object();
  }

  private static ObjectNode stripped(ObjectNode p) {
    ObjectNode c = p.deepCopy();
    if (c.get("metadata") instanceof ObjectNode m) {
      m.remove("resourceVersion");
      m.remove("managedFields");
    }
    return c;
  }

  /**
   * Reads the current object, applies {@code mutate}, runs the strategy and writes with a
   * compare-and-swap on the revision read; on a conflict reads again when {@code retry}.
   */
  Future<ObjectNode> guaranteedUpdate(RequestInfo info, UnaryOperator<ObjectNode> mutate, boolean retry,
      boolean dryRun, String manager) {
    Promise<ObjectNode> done = Promise.promise();
    attemptUpdate(info, mutate, retry, dryRun, manager, 0, done);
    return done.future();
  }

  private void attemptUpdate(RequestInfo info, UnaryOperator<ObjectNode> mutate, boolean retry, boolean dryRun,
      String manager, int attempt, Promise<ObjectNode> done) {
    ResourceType type = info.type();
    store.get(info.key()).compose(kv -> {
      if (kv == null) {
        throw ApiException.notFound(type, info.name());
      }
      ObjectNode old = Objects.decode(kv);
      ObjectNode obj = mutate.apply(old.deepCopy());
      ObjectNode prepared = prepareUpdate(info, obj, old, dryRun);
      if (sameIgnoringVersion(prepared, old)) {
        return Future.succeededFuture(old);
      }
      ObjectNode next = manager == null ? prepared : ServerSideApply.recordUpdate(old, prepared, manager,
          info.subresource(), PatchSchema.forKind(type.group(), type.kind()), Instant.now());
      if (dryRun) {
        return Future.succeededFuture(next);
      }
      if (shouldDeleteDuringUpdate(type, next)) {
        return store.delete(info.key(), kv.modRevision()).map(d -> {
          hooks.released(type, next);
          return Objects.decode(Objects.encode(next), d.modRevision());
        });
      }
      return store.update(info.key(), Objects.encode(next), kv.modRevision()).map(u -> Objects.stored(next, u));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        namespaces.written(type, ar.result());
        done.complete(ar.result());
      } else if (ar.cause() instanceof StoreException.Conflict && retry && attempt < MAX_RETRIES) {
        attemptUpdate(info, mutate, retry, dryRun, manager, attempt + 1, done);
      } else if (ar.cause() instanceof StoreException.Conflict) {
        done.fail(ApiException.conflict(type, info.name()));
      } else if (ar.cause() instanceof StoreException.NotFound) {
        done.fail(ApiException.notFound(type, info.name()));
      } else {
        done.fail(ar.cause());
      }
    });
  }

  private ObjectNode prepareUpdate(RequestInfo info, ObjectNode obj, ObjectNode old, boolean dryRun) {
    ResourceType type = info.type();
    ObjectNode meta = Objects.meta(obj);
    ObjectNode oldMeta = Objects.meta(old);
    obj.put("apiVersion", type.groupVersion()).put("kind", type.kind());
    for (String f : new String[] {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation"}) {
      if (oldMeta.has(f)) {
        meta.set(f, oldMeta.get(f).deepCopy());
      } else {
        meta.remove(f);
      }
    }
    meta.put("resourceVersion", oldMeta.path("resourceVersion").asText());
    fields.rejectWrongTypes(type, obj, old);
    ResourceStrategy strategy = strategies.apply(type);
    List<FieldError> errors = new ArrayList<>();
    if ("status".equals(info.subresource())) {
      strategy.prepareForStatusUpdate(obj, old);
    } else if ("finalize".equals(info.subresource())) {
      // only spec.finalizers changed (set by the caller); the strategy would keep the old spec
    } else {
      strategy.prepareForUpdate(obj, old);
      strategy.applyDefaults(obj);
    }
    errors.addAll(strategy.validateUpdate(obj, old));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(type.kind(), info.name(), errors);
    }
    if (dryRun) {
      hooks.beforeDryRunUpdate(type, obj, old);
    } else {
      hooks.beforeUpdate(type, obj, old);
    }
    return obj;
  }

  static boolean sameIgnoringVersion(ObjectNode a, ObjectNode b) {
    ObjectNode x = a.deepCopy();
    ObjectNode y = b.deepCopy();
    Objects.meta(x).remove("resourceVersion");
    Objects.meta(y).remove("resourceVersion");
    return x.equals(y);
  }

  private static boolean shouldDeleteDuringUpdate(ResourceType type, ObjectNode obj) {
    JsonNode meta = obj.path("metadata");
    if (!meta.has("deletionTimestamp") || meta.path("finalizers").size() > 0) {
      return false;
    }
    if (type.kind().equals("Namespace") && type.group().isEmpty()) {
      return obj.path("spec").path("finalizers").size() == 0;
    }
    if (type.kind().equals("Pod") && type.group().isEmpty()) {
      return meta.path("deletionGracePeriodSeconds").asLong(0) == 0;
    }
    return true;
  }

  Future<Reply> updateScale(RoutingContext ctx, RequestInfo info, JsonNode body, boolean isPatch) {
    String ct = ctx.request().getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";")[0].trim();
    JsonNode patch = isPatch ? RequestBodies.body(ctx) : null;
    ObjectNode scaleBody = isPatch ? null : RequestBodies.objectBody(body, info.type(), "Scale", "autoscaling/v1");
    String rv = scaleBody == null ? "" : Objects.metaText(scaleBody, "resourceVersion");
    RequestInfo main = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return guaranteedUpdate(main, current -> {
      ObjectNode scale = Scales.toScale(current);
      ObjectNode wanted;
      if (isPatch) {
        JsonNode out = switch (mt) {
          case "application/json-patch+json" -> Patches.jsonPatch(scale, patch);
          case "application/merge-patch+json" -> Patches.mergePatch(scale, patch);
          case "application/strategic-merge-patch+json", "application/apply-patch+yaml" ->
              Patches.strategicMergePatch(scale, patch);
          default -> throw ApiException.unsupportedMediaType(ct);
        };
        wanted = (ObjectNode) out;
      } else {
        if (!rv.isEmpty() && !rv.equals(Objects.metaText(current, "resourceVersion"))) {
          throw ApiException.conflict(info.type(), info.name());
        }
        wanted = scaleBody;
      }
      JsonNode replicas = wanted.path("spec").path("replicas");
      if (!replicas.isMissingNode() && !replicas.isNull() && !(replicas.isIntegralNumber() && replicas.canConvertToInt())) {
        throw ApiException.badRequest("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas: "
            + "expected an integer (int32), got " + replicas);
      }
      if (replicas.asInt(0) < 0) {
        throw ApiException.invalid("Scale", info.name(),
            List.of(FieldError.invalid("spec.replicas", replicas.asInt(), "must be greater than or equal to 0")));
      }
      current.with("spec").put("replicas", replicas.asInt(0));
      return current;
    }, rv.isEmpty(), RequestBodies.dryRun(ctx), RequestBodies.manager(ctx)).map(o -> Reply.of(200, Scales.toScale(o)));
  }
}

package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.apiserver.patch.ServerSideApply;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The create verb: namespace and name rules ({@code generateName}), server-filled metadata, the
 * strategy's defaults and validation, namespace lifecycle admission, the write hooks (admission,
 * allocation) and the store write; a dry run is admitted the same way and stops before the write.
 */
final class Creates {

  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Store store;
  private final Function<ResourceType, ResourceStrategy> strategies;
  private final RestHandler.WriteHooks hooks;
  private final NamespaceLifecycle namespaces;
  private final FieldValidation fields;

  Creates(Store store, Function<ResourceType, ResourceStrategy> strategies, RestHandler.WriteHooks hooks,
      NamespaceLifecycle namespaces, FieldValidation fields) {
    this.store = store;
    this.strategies = strategies;
    this.hooks = hooks;
    this.namespaces = namespaces;
    this.fields = fields;
  }

  Future<Reply> create(RoutingContext ctx, RequestInfo info, JsonNode body) {
    ResourceType type = info.type();
    ObjectNode obj = RequestBodies.objectBody(body, type, type.kind(), type.groupVersion());
    List<String> warnings = fields.check(ctx, type, obj);
    return createStored(info, obj, RequestBodies.dryRun(ctx), RequestBodies.manager(ctx))
        .map(c -> new Reply(201, c.obj(), warnings, c.json()));
  }

  /** A created object, and its JSON when already at hand (else {@code null}). */
  private record Created(ObjectNode obj, byte[] json) {}

  /** Creates {@code obj} in the request's namespace (shared by POST and apply-patch on a missing object). */
  Future<ObjectNode> createObject(RequestInfo info, ObjectNode obj, boolean dryRun, String manager) {
    return createStored(info, obj, dryRun, manager).map(Created::obj);
  }

  private Future<Created> createStored(RequestInfo info, ObjectNode obj, boolean dryRun, String manager) {
    ResourceType type = info.type();
    ObjectNode meta = Objects.meta(obj);
    if (type.namespaced()) {
      String ns = meta.path("namespace").asText("");
      if (!ns.isEmpty() && info.namespace() != null && !ns.equals(info.namespace())) {
        throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      if (info.namespace() == null) {
        throw ApiException.notFoundPath();
      }
      meta.put("namespace", info.namespace());
    } else {
      meta.remove("namespace");
    }
    String name = meta.path("name").asText("");
    if (name.isEmpty() && !meta.path("generateName").asText("").isEmpty()) {
      StringBuilder b = new StringBuilder(meta.path("generateName").asText());
      for (int i = 0; i < 5; i++) {
        b.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
      }
      name = b.toString();
      meta.put("name", name);
    }
    if (info.name() != null && !name.isEmpty() && !name.equals(info.name())) {
      throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL (" + info.name() + ")");
    }
    List<FieldError> errors = new ArrayList<>();
    meta.put("uid", UUID.randomUUID().toString());
    meta.put("creationTimestamp", Objects.now());
    // metadata.generation: set by the strategies of the kinds that track it
    meta.remove("generation");
    meta.remove("resourceVersion");
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    meta.remove("selfLink");
    if (type.kind().equals("Namespace") && type.group().isEmpty()) {
      ObjectNode spec = obj.with("spec");
      if (!spec.has("finalizers")) {
        spec.putArray("finalizers").add("kubernetes");
      }
      obj.with("status").put("phase", "Active");
    }
    fields.rejectWrongTypes(type, obj, null);
    ResourceStrategy strategy = strategies.apply(type);
    strategy.prepareForCreate(obj);
    strategy.applyDefaults(obj);
    errors.addAll(strategy.validate(obj));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(type.kind(), name, errors);
    }
    String finalName = name;
    // obj is this request's own tree: record the manager in it rather than in a copy
    ObjectNode toStore = manager == null ? obj : ServerSideApply.recordCreateInPlace(obj, manager, null,
        PatchSchema.forKind(type.group(), type.kind()), Instant.now());
    return namespaces.admitCreate(type, info.namespace()).compose(v -> hooks.admitCreate(type, toStore)).compose(v -> {
      if (dryRun) {
        hooks.beforeDryRunCreate(type, toStore);
        return Future.succeededFuture(new Created(toStore, null));
      }
      hooks.beforeCreate(type, toStore);
      byte[] bytes = Objects.encode(toStore);
      return store.create(type.key(info.namespace(), finalName), bytes)
          // the stored bytes are toStore's: answer with them and it rather than parsing them back
          .map(kv -> {
            Created created = new Created(Objects.stored(toStore, kv), Objects.withVersion(bytes, kv.modRevision()));
            namespaces.written(type, created.obj());
            return created;
          })
          .recover(e -> {
            hooks.released(type, toStore);
            if (e instanceof StoreException.KeyExists) {
              return Future.failedFuture(ApiException.alreadyExists(type, finalName));
            }
            return Future.failedFuture(e);
          });
    });
  }
}

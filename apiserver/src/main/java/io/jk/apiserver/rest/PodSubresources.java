package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pod subresources beyond status: {@code binding} (and the namespace-level {@code bindings}
 * fabric8 sends), {@code eviction} with PodDisruptionBudgets, and {@code log}/{@code exec}/
 * {@code portforward} proxied to the pod's kubelet.
 */
final class PodSubresources {

  private final ResourceTypes types;
  private final Store store;
  private final Reads reads;
  private final Updates updates;
  private final Deletes deletes;
  private final KubeletProxy kubelets;

  PodSubresources(ResourceTypes types, Store store, Reads reads, Updates updates, Deletes deletes,
      KubeletProxy kubelets) {
    this.types = types;
    this.store = store;
    this.reads = reads;
    this.updates = updates;
    this.deletes = deletes;
    this.kubelets = kubelets;
  }

  /** The namespace of a {@code POST /api/v1/namespaces/{ns}/bindings} request, else {@code null}. */
  static String bindingsNamespace(RoutingContext ctx) {
    String path = ctx.request().path();
    String head = "/api/v1/namespaces/";
    if (ctx.request().method() != HttpMethod.POST || !path.startsWith(head) || !path.endsWith("/bindings")) {
      return null;
    }
    String ns = path.substring(head.length(), path.length() - "/bindings".length());
    return ns.isEmpty() || ns.contains("/") ? null : ns;
  }

  /** {@code POST .../namespaces/{ns}/bindings} (what fabric8's {@code bindings()} sends): binds the named pod. */
  Future<Reply> bindings(RoutingContext ctx, String namespace) {
    ResourceType pods = types.find("", "v1", "pods").orElseThrow();
    ctx.put("resource", "bindings");
    RestHandler.verb(ctx, "create");
    JsonNode body = RequestBodies.body(ctx);
    String name = body.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      throw ApiException.invalid("Binding", "", List.of(FieldError.required("metadata.name", "name or generateName is required")));
    }
    return bind(new RequestInfo(pods, namespace, name, "binding"), body);
  }

  Future<Reply> bind(RequestInfo info, JsonNode body) {
    if (!(body instanceof ObjectNode b) || b.path("target").path("name").asText("").isEmpty()) {
      throw ApiException.invalid("Binding", info.name(), List.of(FieldError.required("target.name", "")));
    }
    String node = b.path("target").path("name").asText();
    RequestInfo pod = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return updates.guaranteedUpdate(pod, current -> {
      String uid = b.path("metadata").path("uid").asText("");
      if (!uid.isEmpty() && !uid.equals(Objects.metaText(current, "uid"))) {
        throw ApiException.conflict(info.type(), info.name(), "Precondition failed: UID in precondition: " + uid
            + ", UID in object meta: " + Objects.metaText(current, "uid"));
      }
      if (current.path("metadata").has("deletionTimestamp")) {
        throw ApiException.conflict(info.type(), info.name(), "pod " + info.name() + " is being deleted, cannot be assigned to a host");
      }
      String bound = current.path("spec").path("nodeName").asText("");
      if (!bound.isEmpty()) {
        throw ApiException.conflict(info.type(), info.name(), "pod " + info.name() + " is already assigned to node \""
            + bound + "\"");
      }
      current.with("spec").put("nodeName", node);
      ArrayNode conds = current.with("status").withArray("conditions");
      for (int i = conds.size() - 1; i >= 0; i--) {
        if (conds.get(i).path("type").asText().equals("PodScheduled")) {
          conds.remove(i);
        }
      }
      conds.addObject().put("type", "PodScheduled").put("status", "True").put("lastTransitionTime", Objects.now());
      return current;
    }, true, false, null).map(o -> Reply.of(201, success(201)));
  }

  Future<Reply> evict(RoutingContext ctx, RequestInfo info, JsonNode body) {
    if (!(body instanceof ObjectNode b)) {
      throw ApiException.badRequest("the request body must be an Eviction");
    }
    String name = b.path("metadata").path("name").asText("");
    if (!name.isEmpty() && !name.equals(info.name())) {
      throw ApiException.badRequest("name in URL does not match name in Eviction object");
    }
    DeleteOptions opts = DeleteOptions.from(b.path("deleteOptions"), k -> null);
    if (RequestBodies.dryRun(ctx)) {
      opts = new DeleteOptions(opts.gracePeriodSeconds(), opts.uid(), opts.resourceVersion(), opts.propagationPolicy(), true);
    }
    DeleteOptions options = opts;
    RequestInfo pod = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return reads.get(pod).compose(p -> checkDisruptionBudgets(p, options.dryRun()))
        .compose(v -> deletes.delete(pod, options))
        .map(o -> Reply.of(201, success(201)));
  }

  /**
   * For a running pod, finds the PodDisruptionBudgets selecting it: fails with 429 when one allows
   * no disruption, otherwise takes one disruption from each (as the eviction API does).
   */
  private Future<Void> checkDisruptionBudgets(ObjectNode pod, boolean dryRun) {
    String phase = pod.path("status").path("phase").asText("");
    if (!phase.equals("Running") || pod.path("metadata").has("deletionTimestamp")) {
      return Future.succeededFuture();
    }
    ResourceType pdbType = types.find("policy", "v1", "poddisruptionbudgets").orElseThrow();
    String ns = Objects.metaText(pod, "namespace");
    Map<String, String> labels = Objects.labels(pod);
    return store.list(pdbType.keyPrefix() + ns + "/", null, 0, 0).compose(res -> {
      List<ObjectNode> matching = new ArrayList<>();
      for (KeyValue kv : res.items()) {
        ObjectNode pdb = Objects.decode(kv);
        try {
          JsonNode sel = pdb.path("spec").path("selector");
          if (!sel.isMissingNode() && !sel.isNull()
              && io.jk.apiserver.selection.LabelSelector.fromObject(sel).matches(labels)) {
            matching.add(pdb);
          }
        } catch (io.jk.apiserver.selection.SelectorException e) {
          // a PDB with a broken selector selects nothing
        }
      }
      if (matching.size() > 1) {
        throw new ApiException(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
            + "eviction subresource does not support.", null);
      }
      if (matching.isEmpty()) {
        return Future.succeededFuture();
      }
      ObjectNode pdb = matching.get(0);
      int allowed = pdb.path("status").path("disruptionsAllowed").asInt(0);
      long observed = pdb.path("status").path("observedGeneration").asLong(-1);
      if (allowed <= 0 || observed < pdb.path("metadata").path("generation").asLong(1)) {
        ObjectNode d = Json.mapper().createObjectNode();
        d.putArray("causes").addObject().put("reason", "DisruptionBudget").put("message",
            "The disruption budget " + Objects.metaText(pdb, "name") + " needs "
                + pdb.path("status").path("desiredHealthy").asInt(0) + " healthy pods and has "
                + pdb.path("status").path("currentHealthy").asInt(0) + " currently");
        return Future.failedFuture(new ApiException(429, "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.", d));
      }
      if (dryRun) {
        return Future.succeededFuture();
      }
      ObjectNode next = pdb.deepCopy();
      ((ObjectNode) next.get("status")).put("disruptionsAllowed", allowed - 1);
      next.with("status").with("disruptedPods").put(Objects.metaText(pod, "name"), Objects.now());
      long rev = Long.parseLong(Objects.metaText(pdb, "resourceVersion"));
      return store.update(pdbType.key(ns, Objects.metaText(pdb, "name")), Objects.encode(next), rev)
          .<Void>mapEmpty().recover(e -> Future.failedFuture(e instanceof StoreException.Conflict
              ? ApiException.tooManyRequests("the disruption budget changed; please retry")
              : e));
    });
  }

  /** {@code log}, {@code exec} and {@code portforward}: proxied to the kubelet of the pod's node, which answers {@code ctx}. */
  Future<Reply> podStream(RoutingContext ctx, RequestInfo info) {
    KubeletProxy.acceptUpgrade(ctx); // now, before the request is read to its end
    return reads.get(new RequestInfo(info.type(), info.namespace(), info.name(), null)).compose(pod -> {
      String node = pod.path("spec").path("nodeName").asText("");
      Future<ObjectNode> nodeObj = node.isEmpty() ? Future.succeededFuture(null)
          : store.get(new RequestInfo(types.find("", "v1", "nodes").orElseThrow(), null, node, null).key())
              .map(kv -> kv == null ? null : (ObjectNode) RequestBodies.parse(Buffer.buffer(kv.value()), "application/json"));
      return nodeObj.map(n -> {
        kubelets.serve(ctx, info.subresource(), pod, n);
        return (Reply) null;
      });
    }).recover(e -> KubeletProxy.failUpgrade(ctx, e) ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private static ObjectNode success(int code) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    s.put("status", "Success").put("code", code);
    return s;
  }
}

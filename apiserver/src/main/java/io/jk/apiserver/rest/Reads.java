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
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The read verbs: get, and list with label and field selectors, {@code limit}/{@code continue}
 * and {@code resourceVersionMatch=Exact}, as objects or as a server-side Table.
 */
final class Reads {

  private final Store store;
  private final Function<ResourceType, ResourceStrategy> strategies;

  Reads(Store store, Function<ResourceType, ResourceStrategy> strategies) {
    this.store = store;
    this.strategies = strategies;
  }

  Future<ObjectNode> get(RequestInfo info) {
    return store.get(info.key()).map(kv -> {
      if (kv == null) {
        throw ApiException.notFound(info.type(), info.name());
      }
      return Objects.decode(kv);
    });
  }

  JsonNode render(RoutingContext ctx, RequestInfo info, ObjectNode o) {
    if (Tables.wanted(ctx.request().getHeader("Accept"))) {
      return Tables.of(strategies.apply(info.type()), List.of(o), ctx.queryParams().get("includeObject"),
          null, null, true);
    }
    return o;
  }

  Future<Reply> list(RoutingContext ctx, RequestInfo info) {
    ResourceStrategy strategy = strategies.apply(info.type());
    Predicate<ObjectNode> filter = filter(ctx, info, strategy);
    int limit = ctx.queryParams().get("limit") == null ? 0
        : (int) DeleteOptions.parseLong(ctx.queryParams().get("limit"), "limit");
    String cont = ctx.queryParams().get("continue");
    long atRevision = 0;
    String startAfter = null;
    if (cont != null && !cont.isEmpty()) {
      String[] c = decodeContinue(cont);
      atRevision = Long.parseLong(c[0]);
      startAfter = c[1];
    } else if ("Exact".equals(ctx.queryParams().get("resourceVersionMatch"))) {
      // a consistent snapshot at exactly that revision (otherwise any revision at least as new is served)
      atRevision = DeleteOptions.parseLong(String.valueOf(ctx.queryParams().get("resourceVersion")), "resourceVersion");
    }
    final long rev = atRevision;
    return store.list(info.collectionPrefix(), startAfter, 0, atRevision).recover(e -> {
      if (e instanceof StoreException.Compacted && rev != 0) {
        return Future.failedFuture(ApiException.gone("The provided continue parameter is too old to display a consistent "
            + "list result. You can start a new list without the continue parameter."));
      }
      return Future.failedFuture(e);
    }).map(res -> {
      List<ObjectNode> items = new ArrayList<>();
      String next = null;
      for (KeyValue kv : res.items()) {
        ObjectNode o = Objects.decode(kv);
        if (!filter.test(o)) {
          continue;
        }
        if (limit > 0 && items.size() == limit) {
          next = encodeContinue(res.revision(), keyOf(items.get(items.size() - 1), info));
          break;
        }
        items.add(o);
      }
      String listRv = Long.toString(res.revision());
      if (Tables.wanted(ctx.request().getHeader("Accept"))) {
        return Reply.of(200, Tables.of(strategy, items, ctx.queryParams().get("includeObject"), listRv, next, true));
      }
      ObjectNode list = Json.mapper().createObjectNode();
      list.put("kind", info.type().kind() + "List").put("apiVersion", info.type().groupVersion());
      ObjectNode meta = list.putObject("metadata");
      meta.put("resourceVersion", listRv);
      if (next != null) {
        meta.put("continue", next);
      }
      ArrayNode arr = list.putArray("items");
      items.forEach(arr::add);
      return Reply.of(200, list);
    });
  }

  private static String keyOf(ObjectNode o, RequestInfo info) {
    return info.type().key(Objects.metaText(o, "namespace"), Objects.metaText(o, "name"));
  }

  private static String encodeContinue(long rev, String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((rev + "\n" + key).getBytes(StandardCharsets.UTF_8));
  }

  private static String[] decodeContinue(String token) {
    try {
      String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = s.split("\n", 2);
      Long.parseLong(parts[0]);
      if (parts.length != 2) {
        throw new IllegalArgumentException();
      }
      return parts;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid continue token");
    }
  }

  /** The namespace, label and field selector filter of a list or watch request. */
  static Predicate<ObjectNode> filter(RoutingContext ctx, RequestInfo info, ResourceStrategy strategy) {
    Predicate<ObjectNode> selectors = Selectors.filter(ctx.queryParams().get("labelSelector"),
        ctx.queryParams().get("fieldSelector"), strategy);
    String ns = info.namespace();
    return o -> (ns == null || ns.equals(Objects.metaText(o, "namespace"))) && selectors.test(o);
  }
}

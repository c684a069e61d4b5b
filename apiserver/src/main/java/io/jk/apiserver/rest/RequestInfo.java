package io.jk.apiserver.rest;

import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * What a resource request addresses, parsed from its path:
 * {@code /api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]} or the same under
 * {@code /apis/<group>/<version>}.
 *
 * @param type the resource type
 * @param namespace the namespace, or {@code null} when the request is not scoped to one
 * @param name the object name, or {@code null} for collection requests
 * @param subresource e.g. {@code status}, or {@code null}
 */
public record RequestInfo(ResourceType type, String namespace, String name, String subresource) {

  /** Parses {@code path}; unknown resources and malformed paths fail with a 404 Status. */
  public static RequestInfo parse(String path, ResourceTypes types) {
    List<String> seg = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        seg.add(java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    String group;
    String version;
    int i;
    if (seg.size() >= 2 && seg.get(0).equals("api")) {
      group = "";
      version = seg.get(1);
      i = 2;
    } else if (seg.size() >= 3 && seg.get(0).equals("apis")) {
      group = seg.get(1);
      version = seg.get(2);
      i = 3;
    } else {
      throw ApiException.notFoundPath();
    }
    List<String> rest = seg.subList(i, seg.size());
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")
        && !(rest.size() == 3 && (rest.get(2).equals("status") || rest.get(2).equals("finalize")))) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.isEmpty() || rest.size() > 3) {
      throw ApiException.notFoundPath();
    }
    ResourceType type = types.find(group, version, rest.get(0)).orElseThrow(ApiException::notFoundPath);
    if (namespace != null && !type.namespaced()) {
      throw ApiException.notFoundPath();
    }
    String name = rest.size() >= 2 ? rest.get(1) : null;
    String sub = rest.size() == 3 ? rest.get(2) : null;
    if (sub != null && !type.subresources().containsKey(sub)) {
      throw ApiException.notFoundPath();
    }
    if (type.namespaced() && name != null && namespace == null) {
      throw ApiException.notFoundPath();
    }
    return new RequestInfo(type, namespace, name, sub);
  }

  /** The store key of the addressed object. */
  public String key() {
    return type.key(namespace, name);
  }

  /** The store prefix of the addressed collection (one namespace, or all). */
  public String collectionPrefix() {
    return namespace == null ? type.keyPrefix() : type.keyPrefix() + namespace + "/";
  }
}

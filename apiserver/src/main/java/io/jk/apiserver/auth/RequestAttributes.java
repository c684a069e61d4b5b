package io.jk.apiserver.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a request asks to do, as Kubernetes' {@code authorizer.Attributes}: a verb on a
 * resource (group, resource, subresource, namespace, name) or on a non-resource path.
 *
 * <p>Verbs are Kubernetes': get, list, watch, create, update, patch, delete, deletecollection
 * for resources; the lower-case HTTP method for other paths. For writes that carry an object,
 * the REST layer may add the object's {@code metadata.name} and {@code spec.nodeName} with
 * {@link #withObject}; the {@link NodeAuthorizer} needs them to let a kubelet create its own
 * Node, Lease or mirror pod. Empty strings stand for "none" (never null).
 *
 * @param verb the verb
 * @param resourceRequest whether this is a request for an API resource
 * @param path the request path
 * @param apiGroup the API group ({@code ""} for the core group)
 * @param resource the resource, plural and lower case ({@code pods})
 * @param subresource the subresource ({@code status}) or empty
 * @param namespace the namespace or empty
 * @param name the object's name from the path, or empty
 * @param objectName {@code metadata.name} of the object in the request body, or empty
 * @param objectNodeName {@code spec.nodeName} of the object in the request body, or empty
 */
public record RequestAttributes(String verb, boolean resourceRequest, String path, String apiGroup,
    String resource, String subresource, String namespace, String name, String objectName, String objectNodeName) {
  /** Pod subresources that stream into a running pod. */
  private static final Set<String> STREAMING_SUBRESOURCES = Set.of("exec", "attach", "portforward");
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");
  private static final Pattern SINGLE_NAME = Pattern.compile("metadata\\.name==?([^,=!]+)");

  /** Nulls become empty strings. */
  public RequestAttributes {
    verb = Objects.requireNonNull(verb, "verb");
    path = orEmpty(path);
    apiGroup = orEmpty(apiGroup);
    resource = orEmpty(resource);
    subresource = orEmpty(subresource);
    namespace = orEmpty(namespace);
    name = orEmpty(name);
    objectName = orEmpty(objectName);
    objectNodeName = orEmpty(objectNodeName);
  }

  /** A resource request. */
  public static RequestAttributes resource(String verb, String apiGroup, String resource, String subresource,
      String namespace, String name) {
    return new RequestAttributes(verb, true, "", apiGroup, resource, subresource, namespace, name, "", "");
  }

  /** A request for a path that is not an API resource ({@code /healthz}, {@code /apis}). */
  public static RequestAttributes nonResource(String verb, String path) {
    return new RequestAttributes(verb, false, path, "", "", "", "", "", "", "");
  }

  /** These attributes with the request body's object name and node name added. */
  public RequestAttributes withObject(String objectName, String objectNodeName) {
    return new RequestAttributes(verb, resourceRequest, path, apiGroup, resource, subresource, namespace, name,
        objectName, objectNodeName);
  }

  /** Whether the verb only reads. */
  public boolean readOnly() {
    return verb.equals("get") || verb.equals("list") || verb.equals("watch");
  }

  /** {@code ns/name} (or {@code name} when cluster-scoped). */
  public String namespacedName() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /**
   * The attributes of an HTTP request, parsed as kube-apiserver's {@code RequestInfoFactory}
   * does: {@code /api/v1/...} is the core group, {@code /apis/<group>/<version>/...} the others;
   * then {@code [watch/][namespaces/<ns>/]<resource>[/<name>[/<subresource>]]}. Other paths,
   * and discovery paths with no resource, are non-resource requests.
   *
   * @param method the HTTP method
   * @param path the request path, without query
   * @param watchParam the value of the {@code watch} query parameter, or null
   */
  public static RequestAttributes fromHttp(String method, String path, String watchParam) {
    return fromHttp(method, path, watchParam, null);
  }

  /**
   * As {@link #fromHttp(String, String, String)}; a list or watch whose {@code fieldSelector} is
   * exactly {@code metadata.name=<name>} is for that one name, as in Kubernetes (a kubelet
   * watches single secrets that way).
   */
  public static RequestAttributes fromHttp(String method, String path, String watchParam, String fieldSelector) {
    String httpVerb = method.toLowerCase(Locale.ROOT);
    String cleanPath = path == null || path.isEmpty() ? "/" : path;
    List<String> parts = new ArrayList<>(Arrays.asList(trimSlashes(cleanPath).split("/")));
    parts.removeIf(String::isEmpty);
    String group;
    if (parts.size() >= 3 && parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    } else {
      return nonResource(httpVerb, cleanPath);
    }
    boolean watch = false;
    if (!parts.isEmpty() && parts.get(0).equals("watch")) {
      watch = true;
      parts = parts.subList(1, parts.size());
    }
    if (parts.isEmpty()) {
      return nonResource(httpVerb, cleanPath);
    }
    String namespace = "";
    if (parts.get(0).equals("namespaces") && parts.size() > 1) {
      namespace = parts.get(1);
      if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
        parts = parts.subList(2, parts.size());
      }
    }
    String resource = parts.get(0);
    String name = parts.size() >= 2 ? parts.get(1) : "";
    String subresource = parts.size() >= 3 ? parts.get(2) : "";
    if (resource.equals("namespaces")) {
      namespace = ""; // a Namespace object is cluster-scoped; its name is the namespace
    }
    boolean watchQuery = watchParam != null && (watchParam.equals("true") || watchParam.equals("1"));
    String verb = switch (httpVerb) {
      case "get", "head" -> watch || watchQuery ? "watch" : name.isEmpty() ? "list" : "get";
      case "post" -> "create";
      case "put" -> "update";
      case "patch" -> "patch";
      case "delete" -> name.isEmpty() ? "deletecollection" : "delete";
      default -> httpVerb;
    };
    if (verb.equals("get") && resource.equals("pods") && STREAMING_SUBRESOURCES.contains(subresource)) {
      // a WebSocket GET of exec, attach or portforward runs something in the pod: Kubernetes 1.31+ authorize it
      // as create (AuthorizePodWebsocketUpgradeCreatePermission), the verb of the same request over SPDY (POST)
      verb = "create";
    }
    if (name.isEmpty() && (verb.equals("list") || verb.equals("watch")) && fieldSelector != null) {
      Matcher single = SINGLE_NAME.matcher(fieldSelector.trim());
      if (single.matches()) {
        name = single.group(1);
      }
    }
    return new RequestAttributes(verb, true, cleanPath, group, resource, subresource, namespace, name, "", "");
  }

  private static String trimSlashes(String path) {
    int start = 0;
    int end = path.length();
    while (start < end && path.charAt(start) == '/') {
      start++;
    }
    while (end > start && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(start, end);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }
}

package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The claims of a service account token, as Kubernetes writes them:
 * <pre>{@code
 * {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1700003600, "iat": 1700000000,
 *  "nbf": 1700000000, "iss": "https://kubernetes.default.svc.cluster.local", "jti": "<uuid>",
 *  "sub": "system:serviceaccount:default:default",
 *  "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "default", "uid": "..."},
 *                    "pod": {"name": "web", "uid": "..."}, "node": {"name": "n1", "uid": "..."},
 *                    "warnafter": 1700003607}}
 * }</pre>
 *
 * @param issuer {@code iss}
 * @param audiences {@code aud}
 * @param issuedAt {@code iat}, epoch seconds
 * @param notBefore {@code nbf}, epoch seconds
 * @param expiry {@code exp}, epoch seconds
 * @param id {@code jti}
 * @param namespace the service account's namespace
 * @param serviceAccount the service account's name
 * @param serviceAccountUid the service account's uid
 * @param bound the object the token is bound to, or null
 * @param nodeName the node of the bound pod, or null
 * @param nodeUid that node's uid, or null
 * @param warnAfter when a kubelet-extended token should have been refreshed (epoch seconds), or null
 */
public record TokenClaims(String issuer, List<String> audiences, long issuedAt, long notBefore, long expiry,
    String id, String namespace, String serviceAccount, String serviceAccountUid, BoundObject bound,
    String nodeName, String nodeUid, Long warnAfter) {

  /** The claim holding Kubernetes' private claims. */
  public static final String PRIVATE_CLAIM = "kubernetes.io";
  /** Prefix of a service account's user name. */
  public static final String SUBJECT_PREFIX = "system:serviceaccount:";

  /**
   * The object a token is bound to: it is valid only while that object exists with this uid.
   *
   * @param kind {@code Pod} or {@code Secret}
   * @param name its name (in the token's namespace)
   * @param uid its uid
   */
  public record BoundObject(String kind, String name, String uid) {
    /** Non-null fields. */
    public BoundObject {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(uid, "uid");
    }
  }

  /** Immutable copy. */
  public TokenClaims {
    Objects.requireNonNull(issuer, "issuer");
    audiences = List.copyOf(audiences);
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    serviceAccountUid = serviceAccountUid == null ? "" : serviceAccountUid;
  }

  /** {@code system:serviceaccount:<namespace>:<name>}. */
  public String subject() {
    return SUBJECT_PREFIX + namespace + ":" + serviceAccount;
  }

  /** The claims as the JWT payload. */
  public ObjectNode toJson() {
    ObjectNode o = Json.mapper().createObjectNode();
    ArrayNode aud = o.putArray("aud");
    audiences.forEach(aud::add);
    o.put("exp", expiry).put("iat", issuedAt).put("iss", issuer).put("jti", id);
    ObjectNode k = o.putObject(PRIVATE_CLAIM);
    k.put("namespace", namespace);
    if (nodeName != null) {
      ObjectNode node = k.putObject("node").put("name", nodeName);
      if (nodeUid != null) {
        node.put("uid", nodeUid);
      }
    }
    if (bound != null) {
      k.putObject(bound.kind().equals("Pod") ? "pod" : "secret").put("name", bound.name()).put("uid", bound.uid());
    }
    k.putObject("serviceaccount").put("name", serviceAccount).put("uid", serviceAccountUid);
    if (warnAfter != null) {
      k.put("warnafter", warnAfter);
    }
    o.put("nbf", notBefore).put("sub", subject());
    return o;
  }

  /**
   * The claims of a JWT payload.
   *
   * @throws IllegalArgumentException when a required claim is missing or of the wrong type
   */
  public static TokenClaims fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("claims are not a JSON object");
    }
    List<String> aud = new ArrayList<>();
    JsonNode a = o.path("aud");
    if (a.isTextual()) {
      aud.add(a.asText());
    } else if (a.isArray()) {
      a.forEach(x -> aud.add(x.asText()));
    }
    JsonNode k = o.path(PRIVATE_CLAIM);
    if (!k.isObject()) {
      throw new IllegalArgumentException("not a service account token (no kubernetes.io claim)");
    }
    String ns = text(k, "namespace");
    String sa = text(k.path("serviceaccount"), "name");
    String sub = text(o, "sub");
    if (!sub.equals(SUBJECT_PREFIX + ns + ":" + sa)) {
      throw new IllegalArgumentException("sub claim does not match the service account");
    }
    BoundObject bound = null;
    if (k.path("pod").isObject()) {
      bound = new BoundObject("Pod", text(k.path("pod"), "name"), text(k.path("pod"), "uid"));
    } else if (k.path("secret").isObject()) {
      bound = new BoundObject("Secret", text(k.path("secret"), "name"), text(k.path("secret"), "uid"));
    }
    JsonNode node = k.path("node");
    return new TokenClaims(text(o, "iss"), aud, number(o, "iat"), o.has("nbf") ? number(o, "nbf") : 0,
        number(o, "exp"), o.path("jti").asText(""), ns, sa, k.path("serviceaccount").path("uid").asText(""), bound,
        node.isObject() ? node.path("name").asText(null) : null,
        node.isObject() ? node.path("uid").asText(null) : null,
        k.path("warnafter").canConvertToLong() ? k.path("warnafter").asLong() : null);
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.path(field);
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException("missing claim " + field);
    }
    return v.asText();
  }

  private static long number(JsonNode o, String field) {
    JsonNode v = o.path(field);
    if (!v.isNumber()) {
      throw new IllegalArgumentException("missing claim " + field);
    }
    return v.asLong();
  }
}

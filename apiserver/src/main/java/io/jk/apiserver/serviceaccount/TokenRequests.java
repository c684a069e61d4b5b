package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.protobuf.ProtobufBodies;
import io.jk.apiserver.protobuf.WireReader;
import io.jk.apiserver.registry.FieldError;
import io.jk.common.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads and checks the body of a TokenRequest ({@code authentication.k8s.io/v1}), sent as JSON or
 * as a Kubernetes protobuf body (kubectl's typed client sends protobuf), and applies Kubernetes'
 * defaults and validation: {@code expirationSeconds} defaults to 3600 and must be at least 600
 * and at most 2^32; a bound object is a {@code Pod} or {@code Secret} of the core group.
 */
final class TokenRequests {

  /** Default token lifetime (Kubernetes' TokenRequestSpec default). */
  static final long DEFAULT_EXPIRATION_SECONDS = 3600;
  /** Shortest lifetime a client may ask for. */
  static final long MIN_EXPIRATION_SECONDS = 600;
  private static final long MAX_EXPIRATION_SECONDS = 1L << 32;
  private static final byte[] MAGIC = {'k', '8', 's', 0};

  /**
   * What was asked for.
   *
   * @param audiences the audiences (empty: the API server's)
   * @param expirationSeconds the lifetime asked for
   * @param boundKind {@code Pod}, {@code Secret}, or null
   * @param boundApiVersion the bound object's apiVersion as sent, or empty
   * @param boundName its name
   * @param boundUid its uid as sent, or empty
   */
  record Spec(List<String> audiences, long expirationSeconds, String boundKind, String boundApiVersion,
      String boundName, String boundUid) {}

  private TokenRequests() {}

  /**
   * The request in {@code body} (an empty body asks for the defaults).
   *
   * @throws ApiException 400 for an unreadable body, 422 for invalid values
   */
  static Spec parse(byte[] body, String contentType, String serviceAccount) {
    JsonNode spec;
    String ct = contentType == null ? "application/json" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (body == null || body.length == 0) {
      spec = Json.mapper().createObjectNode();
    } else if (ct.equals(ProtobufBodies.MEDIA_TYPE)) {
      spec = protobufSpec(body);
    } else if (ct.equals("application/json") || ct.equals("*/*")) {
      try {
        JsonNode n = Json.mapper().readTree(body);
        if (n == null || !n.isObject()) {
          throw ApiException.badRequest("the request body is not a TokenRequest object");
        }
        String kind = n.path("kind").asText("");
        if (!kind.isEmpty() && !kind.equals("TokenRequest")) {
          throw ApiException.badRequest("the request body is a " + kind + ", not a TokenRequest");
        }
        spec = n.path("spec");
      } catch (IOException e) {
        throw ApiException.badRequest("the request body could not be decoded: " + e.getMessage().split("\n")[0]);
      }
    } else {
      throw ApiException.unsupportedMediaType(contentType);
    }
    return validate(spec, serviceAccount);
  }

  private static Spec validate(JsonNode spec, String serviceAccount) {
    List<FieldError> errors = new ArrayList<>();
    List<String> audiences = new ArrayList<>();
    JsonNode aud = spec.path("audiences");
    if (aud.isArray()) {
      for (JsonNode a : aud) {
        if (!a.isTextual()) {
          errors.add(FieldError.invalid("spec.audiences", a.toString(), "must be a string"));
        } else {
          audiences.add(a.asText());
        }
      }
    } else if (!aud.isMissingNode() && !aud.isNull()) {
      errors.add(FieldError.invalid("spec.audiences", aud.toString(), "must be a list of strings"));
    }
    long expiration = DEFAULT_EXPIRATION_SECONDS;
    JsonNode exp = spec.path("expirationSeconds");
    if (exp.isIntegralNumber() && exp.canConvertToLong()) {
      expiration = exp.asLong();
      if (expiration == 0) {
        expiration = DEFAULT_EXPIRATION_SECONDS; // unset in protobuf
      }
    } else if (!exp.isMissingNode() && !exp.isNull()) {
      errors.add(FieldError.invalid("spec.expirationSeconds", exp.toString(), "must be an integer"));
    }
    if (expiration < MIN_EXPIRATION_SECONDS) {
      errors.add(FieldError.invalid("spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes"));
    } else if (expiration > MAX_EXPIRATION_SECONDS) {
      errors.add(FieldError.invalid("spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds"));
    }
    String kind = null;
    String apiVersion = "";
    String name = "";
    String uid = "";
    JsonNode ref = spec.path("boundObjectRef");
    if (ref.isObject()) {
      kind = ref.path("kind").asText("");
      apiVersion = ref.path("apiVersion").asText("");
      name = ref.path("name").asText("");
      uid = ref.path("uid").asText("");
      if (!kind.equals("Pod") && !kind.equals("Secret")) {
        errors.add(FieldError.notSupported("spec.boundObjectRef.kind", kind, List.of("Pod", "Secret")));
      }
      if (!apiVersion.isEmpty() && !apiVersion.equals("v1")) {
        errors.add(FieldError.notSupported("spec.boundObjectRef.apiVersion", apiVersion, List.of("v1")));
      }
      if (name.isEmpty()) {
        errors.add(FieldError.required("spec.boundObjectRef.name", ""));
      }
    }
    if (!errors.isEmpty()) {
      throw ApiException.invalid("TokenRequest", serviceAccount, errors);
    }
    return new Spec(audiences, expiration, kind, apiVersion, name, uid);
  }

  /** The {@code spec} of a protobuf TokenRequest as its JSON form. */
  private static JsonNode protobufSpec(byte[] body) {
    ObjectNode spec = Json.mapper().createObjectNode();
    try {
      if (body.length < MAGIC.length || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0) {
        throw ApiException.badRequest("the body does not start with the Kubernetes protobuf magic");
      }
      byte[] raw = null;
      WireReader envelope = new WireReader(body, MAGIC.length, body.length);
      while (!envelope.atEnd()) {
        int tag = envelope.readTag();
        if ((tag >>> 3) == 2 && (tag & 7) == WireReader.LENGTH_DELIMITED) {
          raw = envelope.readBytes();
        } else {
          envelope.skip(tag & 7);
        }
      }
      if (raw == null) {
        return spec;
      }
      // TokenRequest: 1 metadata, 2 spec, 3 status
      WireReader request = new WireReader(raw, 0, raw.length);
      while (!request.atEnd()) {
        int tag = request.readTag();
        if ((tag >>> 3) == 2 && (tag & 7) == WireReader.LENGTH_DELIMITED) {
          readSpec(request.readDelimited(), spec);
        } else {
          request.skip(tag & 7);
        }
      }
      return spec;
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      throw ApiException.badRequest("the protobuf TokenRequest could not be decoded: " + e.getMessage());
    }
  }

  /** TokenRequestSpec: 1 audiences (repeated), 3 boundObjectRef, 4 expirationSeconds. */
  private static void readSpec(WireReader r, ObjectNode spec) {
    while (!r.atEnd()) {
      int tag = r.readTag();
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1 && wire == WireReader.LENGTH_DELIMITED) {
        spec.withArray("audiences").add(r.readString());
      } else if (field == 4 && wire == WireReader.VARINT) {
        spec.put("expirationSeconds", r.readVarint());
      } else if (field == 3 && wire == WireReader.LENGTH_DELIMITED) {
        // BoundObjectReference: 1 kind, 2 apiVersion, 3 name, 4 uid
        ObjectNode ref = spec.putObject("boundObjectRef");
        WireReader b = r.readDelimited();
        while (!b.atEnd()) {
          int t = b.readTag();
          String[] names = {null, "kind", "apiVersion", "name", "uid"};
          int f = t >>> 3;
          if (f >= 1 && f <= 4 && (t & 7) == WireReader.LENGTH_DELIMITED) {
            ref.put(names[f], b.readString());
          } else {
            b.skip(t & 7);
          }
        }
      } else {
        r.skip(wire);
      }
    }
  }
}

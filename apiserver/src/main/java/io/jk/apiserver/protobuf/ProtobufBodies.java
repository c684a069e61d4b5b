package io.jk.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.common.json.Json;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * Decodes a Kubernetes protobuf request body ({@value #MEDIA_TYPE}) into the same Jackson tree
 * its JSON form gives: the {@code k8s\0} magic, then a {@code runtime.Unknown} envelope whose
 * {@code typeMeta} names the kind and whose {@code raw} is the object's message, read with
 * {@link Schema}. Empty strings and unset timestamps are left out, as Go's JSON encoding omits
 * them; unknown field numbers are skipped.
 */
public final class ProtobufBodies {

  /** The media type of Kubernetes protobuf bodies. */
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final int MAX_DEPTH = 64;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** metav1.MicroTime's JSON form: RFC3339 with exactly six fractional digits. */
  private static final java.time.format.DateTimeFormatter MICRO =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

  private ProtobufBodies() {
  }

  /**
   * The JSON tree of a protobuf body.
   *
   * @throws ApiException 400 BadRequest for a malformed body, 415 UnsupportedMediaType for a kind
   *     jk has no protobuf schema for
   */
  public static ObjectNode decode(byte[] body) {
    try {
      if (body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2]
          || body[3] != MAGIC[3]) {
        throw new MalformedProtobufException("the body does not start with the Kubernetes protobuf magic k8s\\0");
      }
      String apiVersion = "";
      String kind = "";
      byte[] raw = null;
      String contentType = "";
      WireReader r = new WireReader(body, MAGIC.length, body.length);
      while (!r.atEnd()) {
        int tag = r.readTag();
        int wire = tag & 7;
        int field = tag >>> 3;
        if (field == 1 && wire == WireReader.LENGTH_DELIMITED) {
          WireReader tm = r.readDelimited();
          while (!tm.atEnd()) {
            int t = tm.readTag();
            if ((t >>> 3) == 1 && (t & 7) == WireReader.LENGTH_DELIMITED) {
              apiVersion = tm.readString();
            } else if ((t >>> 3) == 2 && (t & 7) == WireReader.LENGTH_DELIMITED) {
              kind = tm.readString();
            } else {
              tm.skip(t & 7);
            }
          }
        } else if (field == 2 && wire == WireReader.LENGTH_DELIMITED) {
          raw = r.readBytes();
        } else if (field == 4 && wire == WireReader.LENGTH_DELIMITED) {
          contentType = r.readString();
        } else {
          r.skip(wire);
        }
      }
      if (kind.isEmpty()) {
        throw new MalformedProtobufException("the envelope names no kind");
      }
      if (!contentType.isEmpty() && !contentType.startsWith(MEDIA_TYPE)) {
        throw new ApiException(415, "UnsupportedMediaType", "the protobuf envelope carries unsupported content type "
            + contentType, null);
      }
      String message = Schema.rootMessage(apiVersion, kind);
      if (message == null) {
        throw new ApiException(415, "UnsupportedMediaType", "jk cannot decode kind " + kind
            + (apiVersion.isEmpty() ? "" : " (" + apiVersion + ")")
            + " from application/vnd.kubernetes.protobuf; send it as application/json", null);
      }
      ObjectNode out = NODES.objectNode();
      if (!apiVersion.isEmpty()) {
        out.put("apiVersion", apiVersion);
      }
      out.put("kind", kind);
      byte[] obj = raw == null ? new byte[0] : raw;
      readMessage(new WireReader(obj, 0, obj.length), message, out, 0);
      return out;
    } catch (MalformedProtobufException e) {
      throw ApiException.badRequest("the protobuf request body could not be decoded: " + e.getMessage());
    }
  }

  private static void readMessage(WireReader r, String message, ObjectNode out, int depth) {
    if (depth > MAX_DEPTH) {
      throw new MalformedProtobufException("messages nested deeper than " + MAX_DEPTH);
    }
    Map<Integer, Schema.Field> fields = Schema.message(message);
    if (fields == null) {
      throw new IllegalStateException("no schema for message " + message);
    }
    while (!r.atEnd()) {
      int tag = r.readTag();
      int wire = tag & 7;
      Schema.Field f = fields.get(tag >>> 3);
      if (f == null) {
        r.skip(wire);
        continue;
      }
      if (f.inline()) {
        expect(f, wire, WireReader.LENGTH_DELIMITED);
        readMessage(r.readDelimited(), f.message(), out, depth + 1);
        continue;
      }
      switch (f.kind()) {
        case MAP, BYTES_MAP, QUANTITY_MAP -> {
          expect(f, wire, WireReader.LENGTH_DELIMITED);
          readMapEntry(r.readDelimited(), f, out.with(f.name()), depth);
        }
        case INT32, INT64, BOOL -> {
          if (wire == WireReader.LENGTH_DELIMITED && f.repeated()) {
            WireReader packed = r.readDelimited();
            while (!packed.atEnd()) {
              out.withArray(f.name()).add(scalar(f, packed.readVarint()));
            }
          } else {
            expect(f, wire, WireReader.VARINT);
            JsonNode v = scalar(f, r.readVarint());
            if (f.repeated()) {
              out.withArray(f.name()).add(v);
            } else {
              out.set(f.name(), v);
            }
          }
        }
        default -> {
          expect(f, wire, WireReader.LENGTH_DELIMITED);
          JsonNode v = delimited(f, r.readDelimited(), depth);
          if (f.repeated()) {
            ArrayNode a = out.withArray(f.name());
            a.add(v == null ? NODES.textNode("") : v);
          } else if (v != null) {
            out.set(f.name(), v);
          } else {
            out.remove(f.name());
          }
        }
      }
    }
  }

  private static JsonNode scalar(Schema.Field f, long v) {
    return switch (f.kind()) {
      case INT32 -> NODES.numberNode((int) v);
      case INT64 -> NODES.numberNode(v);
      default -> NODES.booleanNode(v != 0);
    };
  }

  /** The JSON value of a length-delimited field, or null when Go's JSON would leave it out. */
  private static JsonNode delimited(Schema.Field f, WireReader r, int depth) {
    switch (f.kind()) {
      case STRING -> {
        String s = readAll(r);
        return s.isEmpty() && !f.repeated() ? null : NODES.textNode(s);
      }
      case BYTES -> {
        return NODES.textNode(Base64.getEncoder().encodeToString(bytes(r)));
      }
      case QUANTITY -> {
        return NODES.textNode(quantity(r));
      }
      case TIME -> {
        return time(r, false);
      }
      case MICRO_TIME -> {
        return time(r, true);
      }
      case INT_OR_STRING -> {
        return intOrString(r);
      }
      case RAW -> {
        return rawExtension(r);
      }
      case MESSAGE -> {
        ObjectNode o = NODES.objectNode();
        readMessage(r, f.message(), o, depth + 1);
        return o;
      }
      default -> throw new IllegalStateException("unexpected kind " + f.kind());
    }
  }

  private static void readMapEntry(WireReader r, Schema.Field f, ObjectNode map, int depth) {
    String key = "";
    JsonNode value = null;
    while (!r.atEnd()) {
      int tag = r.readTag();
      int wire = tag & 7;
      if ((tag >>> 3) == 1 && wire == WireReader.LENGTH_DELIMITED) {
        key = r.readString();
      } else if ((tag >>> 3) == 2 && wire == WireReader.LENGTH_DELIMITED) {
        WireReader v = r.readDelimited();
        value = switch (f.kind()) {
          case MAP -> NODES.textNode(readAll(v));
          case BYTES_MAP -> NODES.textNode(Base64.getEncoder().encodeToString(bytes(v)));
          default -> NODES.textNode(quantity(v));
        };
      } else {
        r.skip(wire);
      }
    }
    map.set(key, value != null ? value : NODES.textNode(f.kind() == Schema.Kind.QUANTITY_MAP ? "0" : ""));
  }

  private static String quantity(WireReader r) {
    String s = "";
    while (!r.atEnd()) {
      int tag = r.readTag();
      if ((tag >>> 3) == 1 && (tag & 7) == WireReader.LENGTH_DELIMITED) {
        s = r.readString();
      } else {
        r.skip(tag & 7);
      }
    }
    return s;
  }

  private static JsonNode time(WireReader r, boolean micro) {
    long seconds = 0;
    long nanos = 0;
    while (!r.atEnd()) {
      int tag = r.readTag();
      int wire = tag & 7;
      if ((tag >>> 3) == 1 && wire == WireReader.VARINT) {
        seconds = r.readVarint();
      } else if ((tag >>> 3) == 2 && wire == WireReader.VARINT) {
        nanos = (int) r.readVarint();
      } else {
        r.skip(wire);
      }
    }
    if (seconds == 0 && nanos == 0) {
      return null; // the zero time: Go's JSON writes null
    }
    if (seconds < -62135596800L || seconds > 253402300799L) {
      throw new MalformedProtobufException("timestamp out of range: " + seconds);
    }
    if (nanos < 0 || nanos > 999_999_999) {
      throw new MalformedProtobufException("timestamp nanos out of range: " + nanos);
    }
    Instant t = Instant.ofEpochSecond(seconds, micro ? nanos / 1000 * 1000 : 0);
    return NODES.textNode(micro ? MICRO.format(t) : Instant.ofEpochSecond(seconds).toString());
  }

  private static JsonNode intOrString(WireReader r) {
    long type = 0;
    int intVal = 0;
    String strVal = "";
    while (!r.atEnd()) {
      int tag = r.readTag();
      int wire = tag & 7;
      int field = tag >>> 3;
      if (field == 1 && wire == WireReader.VARINT) {
        type = r.readVarint();
      } else if (field == 2 && wire == WireReader.VARINT) {
        intVal = (int) r.readVarint();
      } else if (field == 3 && wire == WireReader.LENGTH_DELIMITED) {
        strVal = r.readString();
      } else {
        r.skip(wire);
      }
    }
    return type == 1 ? NODES.textNode(strVal) : NODES.numberNode(intVal);
  }

  private static JsonNode rawExtension(WireReader r) {
    byte[] raw = new byte[0];
    while (!r.atEnd()) {
      int tag = r.readTag();
      if ((tag >>> 3) == 1 && (tag & 7) == WireReader.LENGTH_DELIMITED) {
        raw = r.readBytes();
      } else {
        r.skip(tag & 7);
      }
    }
    if (raw.length == 0) {
      return NODES.nullNode();
    }
    try {
      return Json.mapper().readTree(raw);
    } catch (java.io.IOException e) {
      throw new MalformedProtobufException("an embedded object is not JSON");
    }
  }

  private static String readAll(WireReader r) {
    return new String(bytes(r), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static byte[] bytes(WireReader r) {
    return r.readRemaining();
  }

  private static void expect(Schema.Field f, int wire, int wanted) {
    if (wire != wanted) {
      throw new MalformedProtobufException("field " + f.name() + " has wire type " + wire + ", expected " + wanted);
    }
  }
}

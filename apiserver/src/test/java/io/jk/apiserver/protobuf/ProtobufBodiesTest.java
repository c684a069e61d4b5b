package io.jk.apiserver.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.http.ApiException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Decoding hand-encoded Kubernetes protobuf bodies into the JSON tree the API server stores. */
class ProtobufBodiesTest {

  static byte[] meta(String name) {
    return ProtoWriter.message(w -> w.string(1, name).string(2, "").string(3, "").string(5, "")
        .int64(7, 0).bytes(8, new byte[0]));
  }

  static byte[] entry(String k, byte[] v) {
    return ProtoWriter.message(w -> w.string(1, k).bytes(2, v));
  }

  static byte[] quantity(String q) {
    return ProtoWriter.message(w -> w.string(1, q));
  }

  @Test
  void aResourceQuotaWithQuantityMapAndAZeroTimestamp() {
    byte[] spec = ProtoWriter.message(w -> w.bytes(1, entry("cpu", quantity("2"))).bytes(1, entry("memory", quantity("1Gi")))
        .string(2, "BestEffort"));
    JsonNode q = ProtobufBodies.decode(ProtoWriter.envelope("v1", "ResourceQuota",
        ProtoWriter.message(w -> w.bytes(1, meta("q")).bytes(2, spec).bytes(3, new byte[0]))));
    assertEquals("v1", q.path("apiVersion").asText());
    assertEquals("ResourceQuota", q.path("kind").asText());
    assertEquals("2", q.at("/spec/hard/cpu").asText());
    assertEquals("1Gi", q.at("/spec/hard/memory").asText());
    assertEquals("[\"BestEffort\"]", q.at("/spec/scopes").toString());
    // empty strings and the zero time are left out, as Go's JSON does; unknown field 3 (status) is skipped
    assertEquals("{\"name\":\"q\",\"generation\":0}", q.path("metadata").toString());
    assertFalse(q.has("status"));
  }

  @Test
  void secretsTimesIntOrStringsInlinedAndPackedFields() {
    byte[] secretMeta = ProtoWriter.message(w -> w.string(1, "s").bytes(8, ProtoWriter.message(t -> t.int64(1, 1700000000L)))
        .bytes(11, entry("app", "web".getBytes(StandardCharsets.UTF_8))));
    JsonNode s = ProtobufBodies.decode(ProtoWriter.envelope("v1", "Secret", ProtoWriter.message(w -> w.bytes(1, secretMeta)
        .bytes(2, entry("k", new byte[] {0, 1, 2})).string(3, "Opaque"))));
    assertEquals("AAEC", s.at("/data/k").asText());
    assertEquals("2023-11-14T22:13:20Z", s.at("/metadata/creationTimestamp").asText());
    assertEquals("web", s.at("/metadata/labels/app").asText());

    byte[] port = ProtoWriter.message(w -> w.int64(3, 80).bytes(4, ProtoWriter.message(i -> i.int64(1, 1).string(3, "http"))));
    JsonNode svc = ProtobufBodies.decode(ProtoWriter.envelope("v1", "Service",
        ProtoWriter.message(w -> w.bytes(2, ProtoWriter.message(sp -> sp.bytes(1, port))))));
    assertEquals("http", svc.at("/spec/ports/0/targetPort").asText());
    assertEquals(80, svc.at("/spec/ports/0/port").asInt());

    // Volume.volumeSource and ConfigMapVolumeSource.localObjectReference are inlined in JSON
    byte[] cmSource = ProtoWriter.message(w -> w.bytes(1, ProtoWriter.message(l -> l.string(1, "cfg"))).int64(3, 420));
    byte[] volume = ProtoWriter.message(w -> w.string(1, "v").bytes(2, ProtoWriter.message(vs -> vs.bytes(19, cmSource)
        .bytes(2, new byte[0]))));
    byte[] negative = ProtoWriter.message(w -> w.int64(2, -1)); // int32 -1 is a 10-byte varint
    byte[] rule = ProtoWriter.message(w -> w.string(1, "FailJob").bytes(2, ProtoWriter.message(e -> e.string(2, "In")
        .bytes(3, new byte[] {1, 2, 3}))));
    byte[] jobSpec = ProtoWriter.message(w -> w.bytes(11, ProtoWriter.message(pf -> pf.bytes(1, rule)))
        .bytes(6, ProtoWriter.message(t -> t.bytes(2, ProtoWriter.message(ps -> ps.bytes(1, volume)))))
        .bytes(99, negative));
    JsonNode job = ProtobufBodies.decode(ProtoWriter.envelope("batch/v1", "Job", ProtoWriter.message(w -> w.bytes(2, jobSpec))));
    JsonNode v = job.at("/spec/template/spec/volumes/0");
    assertEquals("{\"name\":\"v\",\"configMap\":{\"name\":\"cfg\",\"defaultMode\":420},\"emptyDir\":{}}", v.toString());
    assertEquals("[1,2,3]", job.at("/spec/podFailurePolicy/rules/0/onExitCodes/values").toString());
    assertEquals(-1, ProtobufBodies.decode(ProtoWriter.envelope("apps/v1", "Deployment", ProtoWriter.message(
        w -> w.bytes(2, ProtoWriter.message(sp -> sp.int64(1, -1)))))).at("/spec/replicas").asInt());
  }

  @Test
  void aRoleAndARoleBinding() {
    byte[] rule = ProtoWriter.message(w -> w.string(1, "get").string(1, "list").string(2, "").string(3, "pods"));
    JsonNode role = ProtobufBodies.decode(ProtoWriter.envelope("rbac.authorization.k8s.io/v1", "Role",
        ProtoWriter.message(w -> w.bytes(1, meta("r")).bytes(2, rule))));
    assertEquals("{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}",
        role.at("/rules/0").toString());
    JsonNode rb = ProtobufBodies.decode(ProtoWriter.envelope("rbac.authorization.k8s.io/v1", "RoleBinding",
        ProtoWriter.message(w -> w.bytes(1, meta("rb")).bytes(2, ProtoWriter.message(sj -> sj.string(1, "User")
            .string(2, "rbac.authorization.k8s.io").string(3, "ann"))).bytes(3, ProtoWriter.message(
            rr -> rr.string(1, "rbac.authorization.k8s.io").string(2, "Role").string(3, "r"))))));
    assertEquals("ann", rb.at("/subjects/0/name").asText());
    assertEquals("Role", rb.at("/roleRef/kind").asText());
  }

  @Test
  void aLeaseWithMicroTimesAndAnEndpointSlice() {
    byte[] renew = ProtoWriter.message(t -> t.int64(1, 1700000000L).int64(2, 123456789));
    JsonNode lease = ProtobufBodies.decode(ProtoWriter.envelope("coordination.k8s.io/v1", "Lease",
        ProtoWriter.message(w -> w.bytes(1, meta("l")).bytes(2, ProtoWriter.message(sp -> sp.string(1, "me")
            .int64(2, 15).bytes(4, renew))))));
    assertEquals("me", lease.at("/spec/holderIdentity").asText());
    assertEquals(15, lease.at("/spec/leaseDurationSeconds").asInt());
    assertEquals("2023-11-14T22:13:20.123456Z", lease.at("/spec/renewTime").asText());

    byte[] endpoint = ProtoWriter.message(w -> w.string(1, "10.0.0.5").bytes(2, ProtoWriter.message(c -> c.int64(1, 1))));
    JsonNode slice = ProtobufBodies.decode(ProtoWriter.envelope("discovery.k8s.io/v1", "EndpointSlice",
        ProtoWriter.message(w -> w.bytes(1, meta("es")).bytes(2, endpoint).bytes(3, ProtoWriter.message(p -> p.string(1, "http")
            .string(2, "TCP").int64(3, 8080))).string(4, "IPv4"))));
    assertEquals("10.0.0.5", slice.at("/endpoints/0/addresses/0").asText());
    assertTrue(slice.at("/endpoints/0/conditions/ready").asBoolean());
    assertEquals(8080, slice.at("/ports/0/port").asInt());
    assertEquals("IPv4", slice.path("addressType").asText());
  }

  @Test
  void aKindWithoutSchemaIs415NamingIt() {
    ApiException e = assertThrows(ApiException.class,
        () -> ProtobufBodies.decode(ProtoWriter.envelope("storage.k8s.io/v1", "StorageClass", new byte[0])));
    assertEquals(415, e.code());
    assertTrue(e.getMessage().contains("StorageClass"), e.getMessage());
  }

  @Test
  void malformedBodiesAre400() {
    byte[][] bad = {
        {},
        {'k', '8', 's'},
        {'k', '8', 'x', 0, 0x0a, 0},
        {'k', '8', 's', 0, (byte) 0x8a},
        {'k', '8', 's', 0, 0x12, 0x7f, 1},
        {'k', '8', 's', 0, 0x0a, 0x00}, // an envelope without a kind
        {'k', '8', 's', 0, 0x0b}, // a group start
        {'k', '8', 's', 0, 0x0d, 1, 2}, // fixed32 cut short
        {'k', '8', 's', 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, 1}, // an 11-byte varint
        ProtoWriter.envelope("v1", "Namespace", new byte[] {0x0a, 0x05, 0x0a}), // metadata longer than the object
        ProtoWriter.envelope("v1", "ConfigMap", ProtoWriter.message(w -> w.int64(1, 5))), // metadata as a varint
        ProtoWriter.envelope("v1", "ConfigMap", ProtoWriter.message(w -> w.bytes(1, new byte[] {0x08, (byte) 0x80}))),
    };
    for (byte[] b : bad) {
      ApiException e = assertThrows(ApiException.class, () -> ProtobufBodies.decode(b), () -> java.util.Arrays.toString(b));
      assertEquals(400, e.code(), e.getMessage());
    }
  }

  @Test
  void aDeepAffinityChainDecodes() {
    byte[] term = ProtoWriter.message(w -> w.bytes(1, ProtoWriter.message(l -> l.bytes(1, entry("a", "b".getBytes())))));
    byte[] body = ProtoWriter.envelope("v1", "Pod", ProtoWriter.message(w -> w.bytes(2, ProtoWriter.message(sp -> sp.bytes(18,
        ProtoWriter.message(a -> a.bytes(2, ProtoWriter.message(pa -> pa.bytes(1, term)))))))));
    assertEquals("b", ProtobufBodies.decode(body).at(
        "/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/labelSelector/matchLabels/a").asText());
  }
}

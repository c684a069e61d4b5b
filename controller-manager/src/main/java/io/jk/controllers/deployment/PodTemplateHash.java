package io.jk.controllers.deployment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.Iterator;
import io.jk.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code pod-template-hash} label: an FNV-32a hash of the pod template (without the label
 * itself) and the Deployment's collision count, written with Kubernetes' safe alphabet (no vowels,
 * so a hash never spells a word).
 */
public final class PodTemplateHash {

  /** The label and ReplicaSet-name suffix key. */
  public static final String LABEL = "pod-template-hash";

  private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
  private static final ObjectMapper CANONICAL =
      Json.mapper().copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private PodTemplateHash() {}

  /** The hash of {@code template} (its own pod-template-hash label ignored) with {@code collisionCount}. */
  public static String of(PodTemplateSpec template, Integer collisionCount) {
    byte[] bytes;
    try {
      bytes = CANONICAL.writeValueAsBytes(normalized(template));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize pod template: " + e.getMessage(), e);
    }
    int h = 0x811c9dc5;
    h = fnv(h, bytes);
    if (collisionCount != null) {
      h = fnv(h, Integer.toString(collisionCount).getBytes(StandardCharsets.US_ASCII));
    }
    String decimal = Integer.toUnsignedString(h);
    StringBuilder sb = new StringBuilder(decimal.length());
    for (char c : decimal.toCharArray()) {
      sb.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
    }
    return sb.toString();
  }

  /** Whether two templates are equal once their pod-template-hash labels are ignored. */
  public static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
    return normalized(a).equals(normalized(b));
  }

  /**
   * The template as a JSON tree without the hash label and without empty objects, arrays and
   * nulls: {@code resources: {}} sent by kubectl means the same as no resources.
   */
  static JsonNode normalized(PodTemplateSpec template) {
    JsonNode tree = CANONICAL.valueToTree(withoutHashLabel(template));
    prune(tree);
    return tree;
  }

  private static boolean prune(JsonNode node) {
    if (node instanceof ObjectNode o) {
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      while (it.hasNext()) {
        if (prune(it.next().getValue())) {
          it.remove();
        }
      }
      return o.isEmpty();
    }
    if (node instanceof ArrayNode a) {
      for (JsonNode e : a) {
        prune(e);
      }
      return a.isEmpty();
    }
    return node == null || node.isNull();
  }

  /** A copy of {@code template} without the pod-template-hash label. */
  public static PodTemplateSpec withoutHashLabel(PodTemplateSpec template) {
    PodTemplateSpec copy = CANONICAL.convertValue(template, PodTemplateSpec.class);
    if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null
        && copy.getMetadata().getLabels().containsKey(LABEL)) {
      Map<String, String> labels = new HashMap<>(copy.getMetadata().getLabels());
      labels.remove(LABEL);
      copy.getMetadata().setLabels(labels);
    }
    return copy;
  }

  private static int fnv(int h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= 0x01000193;
    }
    return h;
  }
}

package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON Merge Patch (RFC 7386, {@code application/merge-patch+json}): objects merge recursively,
 * {@code null} deletes a member, anything else (lists included) replaces.
 */
public final class MergePatch {
  private MergePatch() {}

  /**
   * Applies {@code patch} to {@code original} and returns a new tree; neither input is changed.
   *
   * @param original the object as stored ({@code null} is treated as {@code {}})
   * @param patch the merge patch; must be a JSON object, as Kubernetes requires
   * @throws PatchException 400 when the patch is not a JSON object
   */
  public static JsonNode apply(JsonNode original, JsonNode patch) {
    if (patch == null || !patch.isObject()) {
      throw PatchException.badRequest("Invalid JSON Patch: a merge patch must be a JSON object,"
          + " not " + JsonTrees.typeName(patch));
    }
    return merge(original, patch);
  }

  /** RFC 7386 MergePatch(target, patch) on any values; returns new nodes. */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject()
        ? ((ObjectNode) target).deepCopy()
        : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), merge(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}

package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.selection.FieldSelector;
import io.jk.apiserver.selection.LabelSelector;
import io.jk.apiserver.selection.SelectorException;
import io.jk.common.json.Json;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code labelSelector} and {@code fieldSelector} of a list, watch or deletecollection, as
 * one predicate over objects (parsing by apimachinery's {@link LabelSelector} and
 * {@link FieldSelector}); bad selectors and unsupported field labels are 400 BadRequest.
 */
public final class Selectors {

  private Selectors() {}

  /** The filter for {@code labelSelector} and {@code fieldSelector} under {@code strategy}'s selectable fields. */
  public static Predicate<ObjectNode> filter(String labelSelector, String fieldSelector, ResourceStrategy strategy) {
    try {
      LabelSelector labels = labelSelector == null || labelSelector.isBlank() ? LabelSelector.everything()
          : LabelSelector.parse(labelSelector);
      FieldSelector fields = fieldSelector == null || fieldSelector.isBlank() ? FieldSelector.everything()
          : FieldSelector.parse(fieldSelector);
      fields.validate(supportedFields(strategy));
      boolean allFields = fieldSelector == null || fieldSelector.isBlank();
      return o -> labels.matches(Objects.labels(o)) && (allFields || fields.matches(selectable(strategy, o)));
    } catch (SelectorException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /** The fields {@code strategy} lets selectors use, plus {@code metadata.name} and {@code metadata.namespace}. */
  static Set<String> supportedFields(ResourceStrategy strategy) {
    Set<String> s = new HashSet<>(strategy.selectableFields(Json.mapper().createObjectNode()).keySet());
    s.add("metadata.name");
    s.add("metadata.namespace");
    return s;
  }

  static Map<String, String> selectable(ResourceStrategy strategy, ObjectNode o) {
    Map<String, String> m = new HashMap<>(strategy.selectableFields(o));
    m.putIfAbsent("metadata.name", Objects.metaText(o, "name"));
    m.putIfAbsent("metadata.namespace", Objects.metaText(o, "namespace"));
    return m;
  }
}

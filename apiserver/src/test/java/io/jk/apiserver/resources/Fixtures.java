package io.jk.apiserver.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;

/** Small builders of wire-form objects for the strategy tests. */
final class Fixtures {

  private Fixtures() {}

  /** Parses YAML (flow or block) into an object tree. */
  static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) Json.yamlMapper().readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Parses JSON into an object tree. */
  static ObjectNode json(String text) {
    try {
      return (ObjectNode) Json.mapper().readTree(text.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }
}

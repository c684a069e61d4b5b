package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The kind's schema applied to a written object: values of the wrong JSON type always fail the request
 * (400, as Kubernetes' decoder); unknown fields by the {@code fieldValidation} parameter fail it (Strict),
 * warn (Warn) or pass (Ignore).
 */
final class FieldValidation {

  private final RestHandler.UnknownFields unknownFields;

  FieldValidation(RestHandler.UnknownFields unknownFields) {
    this.unknownFields = unknownFields;
  }

  /**
   * 400 when a known field has a value of the wrong JSON type ("Pod in version "v1" cannot be handled as a
   * Pod: ..."). On updates ({@code old} not null), mismatches the stored object already had are let
   * through, so an object stored before this check can still be updated and deleted.
   */
  void rejectWrongTypes(ResourceType type, ObjectNode obj, ObjectNode old) {
    List<String> wrong = unknownFields.wrongTypes(type, obj);
    if (wrong.isEmpty()) {
      return;
    }
    if (old != null) {
      wrong = new java.util.ArrayList<>(wrong);
      wrong.removeAll(unknownFields.wrongTypes(type, old));
      if (wrong.isEmpty()) {
        return;
      }
    }
    throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
        + type.kind() + ": " + String.join("; ", wrong));
  }

  /** Applies {@code fieldValidation}: Strict fails, Warn returns warnings, Ignore nothing. */
  List<String> check(RoutingContext ctx, ResourceType type, ObjectNode obj) {
    String mode = ctx.queryParams().get("fieldValidation");
    if (mode == null || mode.equals("Ignore")) {
      return List.of();
    }
    if (!mode.equals("Strict") && !mode.equals("Warn")) {
      throw ApiException.badRequest("fieldValidation: Unsupported value: \"" + mode
          + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
    }
    List<String> unknown = unknownFields.find(type, obj);
    if (unknown.isEmpty()) {
      return List.of();
    }
    if (mode.equals("Strict")) {
      StringBuilder b = new StringBuilder("strict decoding error: ");
      for (int i = 0; i < unknown.size(); i++) {
        b.append(i == 0 ? "" : ", ").append("unknown field \"").append(unknown.get(i)).append('"');
      }
      throw ApiException.badRequest(b.toString());
    }
    return unknown.stream().map(u -> "unknown field \"" + u + "\"").toList();
  }
}

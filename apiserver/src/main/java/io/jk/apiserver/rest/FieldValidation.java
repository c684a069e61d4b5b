package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** The {@code fieldValidation} parameter: unknown fields fail the request (Strict), warn (Warn) or pass (Ignore). */
final class FieldValidation {

  private final RestHandler.UnknownFields unknownFields;

  FieldValidation(RestHandler.UnknownFields unknownFields) {
    this.unknownFields = unknownFields;
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

package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.protobuf.ProtobufBodies;
import io.jk.common.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Locale;

/**
 * The object in a request body, read by its content type as the REST layer reads it: Kubernetes
 * protobuf (what kubectl's typed clients send), YAML, or JSON; for the authorization code that
 * must judge a body before the REST handler runs.
 */
public final class RequestObjects {

  private RequestObjects() {}

  /**
   * The body's tree, or null when there is none.
   *
   * @throws IOException or a runtime exception when the body cannot be read
   */
  public static JsonNode read(RoutingContext ctx) throws IOException {
    if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().buffer().length() == 0) {
      return null;
    }
    byte[] bytes = ctx.body().buffer().getBytes();
    String header = ctx.request().getHeader("Content-Type");
    String type = header == null ? "application/json" : header.split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (type.equals(ProtobufBodies.MEDIA_TYPE)) {
      return ProtobufBodies.decode(bytes);
    }
    if (type.contains("yaml")) {
      return Json.yamlMapper().readTree(bytes);
    }
    return Json.mapper().readTree(bytes);
  }
}

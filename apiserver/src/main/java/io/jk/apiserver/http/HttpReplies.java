package io.jk.apiserver.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.rest.Reply;
import io.jk.apiserver.storage.StoreException;
import io.jk.common.json.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes JSON replies and turns failures into {@code metav1.Status} responses (never a stack trace). */
public final class HttpReplies {

  private static final Logger LOG = LoggerFactory.getLogger(HttpReplies.class);

  private HttpReplies() {}

  /** Sends {@code body} as JSON with {@code code}. */
  public static void json(RoutingContext ctx, int code, JsonNode body) {
    HttpServerResponse r = ctx.response();
    if (r.ended() || r.closed()) {
      return;
    }
    try {
      byte[] bytes = Json.mapper().writeValueAsBytes(body);
      r.setStatusCode(code).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-cache, private")
          .end(io.vertx.core.buffer.Buffer.buffer(bytes));
    } catch (JsonProcessingException e) {
      fail(ctx, e);
    }
  }

  /** Sends a finished REST call. */
  public static void send(RoutingContext ctx, Reply reply) {
    for (String w : reply.warnings()) {
      ctx.response().headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
    }
    if (reply.json() != null) {
      HttpServerResponse r = ctx.response();
      if (!r.ended() && !r.closed()) {
        r.setStatusCode(reply.code()).putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-cache, private").end(io.vertx.core.buffer.Buffer.buffer(reply.json()));
      }
      return;
    }
    json(ctx, reply.code(), reply.body());
  }

  /** Sends the Status for {@code error}. */
  public static void fail(RoutingContext ctx, Throwable error) {
    ApiException e = toApi(error);
    if (e.code() >= 500) {
      LOG.warn("Request failed method={} path={} err=\"{}\"", ctx.request().method(), ctx.request().path(),
          String.valueOf(error), error);
    }
    json(ctx, e.code(), e.toStatus());
  }

  /** The API error for any failure; unknown failures become 500 InternalError without details. */
  public static ApiException toApi(Throwable error) {
    if (error instanceof ApiException a) {
      return a;
    }
    if (error instanceof io.jk.apiserver.patch.PatchException p) {
      return p.isUnprocessable() ? new ApiException(422, "Invalid", p.getMessage(), null) : ApiException.badRequest(p.getMessage());
    }
    if (error instanceof io.jk.apiserver.selection.SelectorException s) {
      return ApiException.badRequest(s.getMessage());
    }
    if (error instanceof StoreException.Compacted c) {
      return ApiException.gone("too old resource version: " + c.requested() + " (" + c.compacted() + ")");
    }
    if (error instanceof StoreException.FutureRevision) {
      return new ApiException(504, "Timeout", "Too large resource version: " + error.getMessage(), null);
    }
    if (error instanceof StoreException) {
      return ApiException.internal("storage error: " + error.getMessage());
    }
    return ApiException.internal(error == null ? "unknown" : error.getClass().getSimpleName());
  }
}

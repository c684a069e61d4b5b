package io.jk.testing.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A bearer-token front for a {@link TestRegistry}, answering as Docker Hub does: {@code /v2/...}
 * without a token gets 401 with {@code WWW-Authenticate: Bearer realm=...,service=...,scope=...};
 * the realm ({@code /token}) hands out a token (to anyone, or only for the given basic credentials);
 * with the token, reads are passed through to the registry. Listens on a free loopback port.
 */
public final class TokenAuthFront implements AutoCloseable {

  private final HttpServer server;
  private final TestRegistry backend;
  private final String basic;
  private final String token = "tok-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile boolean redirectBlobs;
  /** The {@code scope} parameters token requests asked for, in order. */
  public final List<String> scopesRequested = new CopyOnWriteArrayList<>();

  private TokenAuthFront(TestRegistry backend, String user, String password) throws IOException {
    this.backend = backend;
    this.basic = user == null ? null
        : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/token", this::token);
    server.createContext("/v2/", this::proxy);
    server.start();
  }

  /** A front over {@code backend}; with {@code user} non-null, tokens only for those credentials. */
  public static TokenAuthFront start(TestRegistry backend, String user, String password) {
    try {
      return new TokenAuthFront(backend, user, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers authorized blob reads with a 307 to the registry itself, as Docker Hub sends them to its CDN. */
  public TokenAuthFront withBlobRedirects() {
    redirectBlobs = true;
    return this;
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references through this front. */
  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void token(HttpExchange ex) throws IOException {
    String query = ex.getRequestURI().getRawQuery();
    for (String kv : query == null ? new String[0] : query.split("&")) {
      if (kv.startsWith("scope=")) {
        scopesRequested.add(java.net.URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8));
      }
    }
    if (basic != null && !basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"incorrect username or password\"}]}");
      return;
    }
    reply(ex, 200, "{\"token\":\"" + token + "\",\"expires_in\":300}");
  }

  private void proxy(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      String repo = path.replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs)/.*$", "");
      ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host() + "/token\",service=\"jk-test\",scope=\"repository:"
          + repo + ":pull\"");
      reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
      return;
    }
    if (redirectBlobs && path.contains("/blobs/")) {
      ex.getResponseHeaders().add("Location", "http://" + backend.host() + path);
      ex.sendResponseHeaders(307, -1);
      ex.close();
      return;
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + backend.host() + path));
    String accept = ex.getRequestHeaders().getFirst("Accept");
    if (accept != null) {
      req.header("Accept", accept);
    }
    try {
      HttpResponse<InputStream> resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      for (String h : List.of("Content-Type", "Docker-Content-Digest")) {
        resp.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
      }
      byte[] body;
      try (InputStream in = resp.body()) {
        body = in.readAllBytes();
      }
      ex.sendResponseHeaders(resp.statusCode(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply(ex, 500, "interrupted");
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

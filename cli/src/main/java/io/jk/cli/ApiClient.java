package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.internal.CertUtils;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The Kubernetes API over {@code java.net.http}, with the kubeconfig's credentials (bearer token
 * or client certificate, cluster CA or {@code insecure-skip-tls-verify}).
 *
 * <p>jkctl works on JSON trees, like kubectl's dynamic client, so any resource the server
 * discovers can be handled; using the JDK's HTTP client instead of fabric8's keeps start-up
 * short on the hot path ({@code jkctl get pods}).
 */
public final class ApiClient {

  /** The Accept header for server-side Tables. */
  public static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  private final Kubeconfig.Target target;
  private final HttpClient http;
  private final String authorization;

  /** A client for {@code target}. */
  public ApiClient(Kubeconfig.Target target) {
    this.target = target;
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    if (target.server().startsWith("https://")) {
      // TLS set-up is costly at start-up: only when the server speaks it
      b.sslContext(sslContext(target)).sslParameters(sslParameters(target));
    }
    this.http = b.build();
    this.authorization = authorization(target);
  }

  /** The resolved kubeconfig context. */
  public Kubeconfig.Target target() {
    return target;
  }

  /** The JDK HTTP client (for WebSockets). */
  public HttpClient http() {
    return http;
  }

  /** The Authorization header value, or null. */
  public String authorization() {
    return authorization;
  }

  /** The absolute URI of an API path such as {@code /api/v1/pods}. */
  public URI uri(String path) {
    return URI.create(target.server() + path);
  }

  /** An HTTP answer. */
  public record Response(int status, String body, String contentType) {

    /** The body as JSON, or null when it is not JSON. */
    public JsonNode json() {
      try {
        return body == null || body.isEmpty() ? null : Json.mapper().readTree(body);
      } catch (IOException e) {
        return null;
      }
    }

    /** Throws the kubectl-style error unless the status is 2xx. */
    public Response check() {
      if (status >= 300) {
        throw new ApiException(status, json(), body);
      }
      return this;
    }
  }

  /** Sends a request and returns the answer whatever its status. */
  public Response send(String method, String path, String contentType, String body, String accept) {
    HttpRequest.Builder b = request(path, accept);
    if (body != null) {
      b.header("Content-Type", contentType);
      b.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /** GET as JSON, throwing {@link ApiException} on an error answer. */
  public JsonNode get(String path) {
    return send("GET", path, null, null, "application/json").check().json();
  }

  /** GET with a custom Accept header, throwing on an error answer. */
  public JsonNode get(String path, String accept) {
    return send("GET", path, null, null, accept).check().json();
  }

  /** Sends JSON and returns the answer's JSON, throwing on an error answer. */
  public JsonNode json(String method, String path, String contentType, Object body) {
    String text;
    try {
      text = body == null ? null : body instanceof String s ? s : Json.mapper().writeValueAsString(body);
    } catch (IOException e) {
      throw new CliException("cannot encode request: " + e.getMessage());
    }
    return send(method, path, contentType, text, "application/json").check().json();
  }

  /** Opens a streaming GET (watches, followed logs); the caller closes the stream. */
  public InputStream stream(String path, String accept) {
    try {
      HttpResponse<InputStream> r = http.send(request(path, accept).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 300) {
        String body;
        try (InputStream in = r.body()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        throw new ApiException(r.statusCode(), new Response(r.statusCode(), body, "").json(), body);
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  private HttpRequest.Builder request(String path, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("User-Agent", "jkctl/" + Version.VERSION);
    if (accept != null) {
      b.header("Accept", accept);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private CliException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
    return new CliException("The connection to the server " + URI.create(target.server()).getAuthority()
        + " was refused - did you specify the right host or port? (" + why + ")");
  }

  private static String authorization(Kubeconfig.Target t) {
    String token = t.user().path("token").asText("");
    if (token.isEmpty() && t.user().hasNonNull("tokenFile")) {
      try {
        token = Files.readString(resolve(t, t.user().get("tokenFile").asText())).strip();
      } catch (IOException e) {
        throw new CliException("cannot read tokenFile: " + e.getMessage());
      }
    }
    return token.isEmpty() ? null : "Bearer " + token;
  }

  private static Path resolve(Kubeconfig.Target t, String p) {
    Path path = Path.of(p);
    Path dir = t.file().toAbsolutePath().getParent();
    return path.isAbsolute() || dir == null ? path : dir.resolve(path);
  }

  private static String fileOrNull(Kubeconfig.Target t, com.fasterxml.jackson.databind.node.ObjectNode n, String key) {
    return n.hasNonNull(key) ? resolve(t, n.get(key).asText()).toString() : null;
  }

  private static SSLParameters sslParameters(Kubeconfig.Target t) {
    SSLParameters p = new SSLParameters();
    if (t.cluster().path("insecure-skip-tls-verify").asBoolean(false)) {
      p.setEndpointIdentificationAlgorithm(null);
    }
    return p;
  }

  private static SSLContext sslContext(Kubeconfig.Target t) {
    if (!t.server().startsWith("https://")) {
      try {
        return SSLContext.getDefault();
      } catch (Exception e) {
        throw new CliException("no TLS support: " + e.getMessage());
      }
    }
    try {
      TrustManager[] trust;
      if (t.cluster().path("insecure-skip-tls-verify").asBoolean(false)) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (t.cluster().hasNonNull("certificate-authority-data") || t.cluster().hasNonNull("certificate-authority")) {
        KeyStore ts = CertUtils.createTrustStore(t.cluster().path("certificate-authority-data").asText(null),
            fileOrNull(t, t.cluster(), "certificate-authority"), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        trust = tmf.getTrustManagers();
      } else {
        trust = null;
      }
      javax.net.ssl.KeyManager[] keys = null;
      if (t.user().hasNonNull("client-certificate-data") || t.user().hasNonNull("client-certificate")) {
        char[] pass = "changeit".toCharArray();
        KeyStore ks = clientKeyStore(t);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        keys = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new CliException("cannot set up TLS for context \"" + t.context() + "\": " + e.getMessage());
    }
  }

  /**
   * The kubeconfig user's certificate and key as a key store. jk's cluster CA issues EC keys and
   * other clusters RSA ones; fabric8's reader needs to be told which, so try each.
   */
  private static KeyStore clientKeyStore(Kubeconfig.Target t) throws Exception {
    Exception last = null;
    for (String algorithm : new String[] {"EC", "RSA"}) {
      try {
        return CertUtils.createKeyStore(t.user().path("client-certificate-data").asText(null),
            fileOrNull(t, t.user(), "client-certificate"), t.user().path("client-key-data").asText(null),
            fileOrNull(t, t.user(), "client-key"), algorithm, "changeit", null, "changeit");
      } catch (Exception e) {
        last = e;
      }
    }
    throw last;
  }

  /** For {@code insecure-skip-tls-verify: true} only. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}

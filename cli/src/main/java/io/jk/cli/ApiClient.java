package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The Kubernetes API with the kubeconfig's credentials (bearer token or client certificate,
 * cluster CA or {@code insecure-skip-tls-verify}).
 *
 * <p>jkctl works on JSON trees, like kubectl's dynamic client, so any resource the server
 * discovers can be handled. Requests go over one kept-alive {@link HttpConnection} on the calling
 * thread, which keeps start-up and exit short ({@code jkctl get pods}); the JDK's HTTP client is
 * created only for what needs it (WebSockets for exec, file uploads).
 */
public final class ApiClient {

  /** The Accept header for server-side Tables. */
  public static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  private final Kubeconfig.Target target;
  private final SSLContext ssl;
  private final HttpConnection connection;
  private final String authorization;
  private HttpClient http;

  /** A client for {@code target}. */
  public ApiClient(Kubeconfig.Target target) {
    this.target = target;
    URI server = URI.create(target.server());
    if (!"https".equals(server.getScheme()) && !"http".equals(server.getScheme()) || server.getHost() == null) {
      throw new CliException("the server URL of context \"" + target.context() + "\" is not http(s)://HOST[:PORT]: "
          + target.server());
    }
    // TLS set-up is costly at start-up: only when the server speaks it
    this.ssl = "https".equals(server.getScheme()) ? sslContext(target) : null;
    this.connection = new HttpConnection(server, ssl == null ? null : ssl.getSocketFactory(),
        ssl == null ? null : sslParameters(target), 10_000);
    this.authorization = authorization(target);
    Trace.mark("client");
  }

  /**
   * Closes the kept connection (the next request opens a new one); the TLS context and its
   * session cache stay. The jkctl daemon does this to clients it keeps idle.
   */
  public void disconnect() {
    connection.close();
  }

  /** The resolved kubeconfig context. */
  public Kubeconfig.Target target() {
    return target;
  }

  /** The JDK HTTP client with the same TLS set-up (for WebSockets and uploads), created on first use. */
  public synchronized HttpClient http() {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10));
      if (ssl != null) {
        b.sslContext(ssl).sslParameters(sslParameters(target));
      }
      http = b.build();
    }
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
    Map<String, String> h = headers(accept);
    if (body != null) {
      h.put("Content-Type", contentType);
    }
    try {
      Response r = connection.exchange(method, path, h, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
      Trace.mark(method + " " + path + " " + r.status());
      return r;
    } catch (IOException e) {
      throw unreachable(e);
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

  /** Opens a streaming GET (watches, followed logs) on a connection of its own; the caller closes the stream. */
  public InputStream stream(String path, String accept) {
    try {
      HttpConnection own = new HttpConnection(URI.create(target.server()), ssl == null ? null : ssl.getSocketFactory(),
          ssl == null ? null : sslParameters(target), 10_000);
      HttpConnection.Streamed r = own.stream("GET", path, headers(accept));
      if (r.status() >= 300) {
        String body;
        try (InputStream in = r.body()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        throw new ApiException(r.status(), new Response(r.status(), body, "").json(), body);
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /**
   * Opens a WebSocket on {@code path} (e.g. {@code pods/exec}) on a connection of its own,
   * throwing the kubectl-style error when the server answers with an error instead.
   */
  public WebSocketStream webSocket(String path, java.util.List<String> protocols) {
    HttpConnection own = new HttpConnection(URI.create(target.server()), ssl == null ? null : ssl.getSocketFactory(),
        ssl == null ? null : sslParameters(target), 10_000);
    try {
      HttpConnection.Upgrade u = own.upgrade(path, headers(null), protocols);
      if (u.socket() == null) {
        throw new ApiException(u.status(), new Response(u.status(), u.body(), "").json(), u.body());
      }
      return u.socket();
    } catch (IOException e) {
      own.close();
      throw unreachable(e);
    }
  }

  private Map<String, String> headers(String accept) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("User-Agent", "jkctl/" + Version.VERSION);
    if (accept != null) {
      h.put("Accept", accept);
    }
    if (authorization != null) {
      h.put("Authorization", authorization);
    }
    return h;
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

  /** A path named in the kubeconfig ({@code certificate-authority}, ...), relative ones taken from its directory. */
  static Path resolve(Kubeconfig.Target t, String p) {
    Path path = Path.of(p);
    Path dir = t.file().toAbsolutePath().getParent();
    return path.isAbsolute() || dir == null ? path : dir.resolve(path);
  }

  private static SSLParameters sslParameters(Kubeconfig.Target t) {
    SSLParameters p = new SSLParameters();
    if (!t.cluster().path("insecure-skip-tls-verify").asBoolean(false)) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return p;
  }

  private static SSLContext sslContext(Kubeconfig.Target t) {
    try {
      TrustManager[] trust;
      if (t.cluster().path("insecure-skip-tls-verify").asBoolean(false)) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (t.cluster().hasNonNull("certificate-authority-data") || t.cluster().hasNonNull("certificate-authority")) {
        KeyStore ts = TlsMaterial.trustStore(TlsMaterial.certificates(
            pem(t, t.cluster(), "certificate-authority-data", "certificate-authority")));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        trust = tmf.getTrustManagers();
      } else {
        trust = null;
      }
      KeyManager[] keys = null;
      if (t.user().hasNonNull("client-certificate-data") || t.user().hasNonNull("client-certificate")) {
        if (!t.user().hasNonNull("client-key-data") && !t.user().hasNonNull("client-key")) {
          throw new CliException("user of context \"" + t.context() + "\" has a client certificate but no client key");
        }
        keys = new KeyManager[] {new TlsMaterial.ClientKeyManager(
            TlsMaterial.certificates(pem(t, t.user(), "client-certificate-data", "client-certificate")),
            TlsMaterial.privateKey(pem(t, t.user(), "client-key-data", "client-key")))};
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, null);
      return ctx;
    } catch (CliException e) {
      throw e;
    } catch (Exception e) {
      throw new CliException("cannot set up TLS for context \"" + t.context() + "\": " + e.getMessage());
    }
  }

  /** The PEM bytes of {@code dataKey} (base64) or else the file named by {@code fileKey}. */
  private static byte[] pem(Kubeconfig.Target t, ObjectNode n, String dataKey, String fileKey) throws IOException {
    if (n.hasNonNull(dataKey)) {
      try {
        return Base64.getMimeDecoder().decode(n.get(dataKey).asText());
      } catch (IllegalArgumentException e) {
        throw new CliException(dataKey + " of context \"" + t.context() + "\" is not base64: " + e.getMessage());
      }
    }
    return Files.readAllBytes(resolve(t, n.get(fileKey).asText()));
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

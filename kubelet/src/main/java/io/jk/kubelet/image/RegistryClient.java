package io.jk.kubelet.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the OCI distribution API: fetches manifests and blobs, answering the registry's
 * {@code WWW-Authenticate} challenges (bearer tokens from the realm, as Docker Hub does, or basic
 * auth) with the given credentials. Plain HTTP for loopback registries and the insecure ones, HTTPS
 * otherwise. Every digest is verified while the bytes stream.
 */
public final class RegistryClient {

  /** The manifest media types jk accepts, most specific first. */
  public static final String ACCEPT = String.join(", ",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json");

  private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final int MAX_MANIFEST = 4 * 1024 * 1024;

  private final HttpClient http;
  private final Set<String> insecureRegistries;
  private final Map<String, String> tokens = new ConcurrentHashMap<>();

  /** @param insecureRegistries hosts ({@code host:port}) spoken to over plain HTTP besides loopback ones */
  public RegistryClient(Set<String> insecureRegistries) {
    this.insecureRegistries = Set.copyOf(insecureRegistries);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** A fetched manifest: its bytes, media type and verified digest. */
  public record Manifest(byte[] bytes, String mediaType, String digest) {
    public JsonNode json() {
      try {
        return Json.mapper().readTree(bytes);
      } catch (IOException e) {
        throw new ImagePullException(ImagePullException.Kind.PULL_FAILED, "malformed manifest: " + e.getMessage(), e);
      }
    }
  }

  /** Fetches the manifest {@code ref} (a tag or digest) of {@code image}'s repository. */
  public Manifest manifest(ImageReference image, String ref, List<RegistryCredential> creds) {
    HttpResponse<InputStream> resp = get(image, "/manifests/" + ref, ACCEPT, creds);
    try (InputStream in = resp.body()) {
      byte[] bytes = in.readNBytes(MAX_MANIFEST + 1);
      if (bytes.length > MAX_MANIFEST) {
        throw failed("manifest of " + image + " is larger than " + MAX_MANIFEST + " bytes", null);
      }
      String digest = "sha256:" + sha256(bytes);
      if (ref.startsWith("sha256:") && !ref.equals(digest)) {
        throw failed("manifest digest mismatch for " + image + ": expected " + ref + ", got " + digest, null);
      }
      String type = resp.headers().firstValue("Content-Type").orElse("");
      int semi = type.indexOf(';');
      type = semi >= 0 ? type.substring(0, semi).trim() : type.trim();
      JsonNode json = Json.mapper().readTree(bytes);
      if (json.hasNonNull("mediaType")) {
        type = json.get("mediaType").asText();
      }
      return new Manifest(bytes, type, digest);
    } catch (IOException e) {
      throw failed("reading manifest of " + image + ": " + e.getMessage(), e);
    }
  }

  /**
   * Streams blob {@code digest} into {@code target} (atomically: a temp file moved into place once
   * the digest matches).
   */
  public void blob(ImageReference image, String digest, Path target, List<RegistryCredential> creds) {
    HttpResponse<InputStream> resp = get(image, "/blobs/" + digest, "*/*", creds);
    try (InputStream in = resp.body()) {
      writeVerified(in, digest, target);
    } catch (IOException e) {
      throw failed("downloading " + digest + " of " + image + ": " + e.getMessage(), e);
    }
  }

  /** Copies {@code in} to {@code target} through a temp file, refusing it unless its sha256 is {@code digest}. */
  static void writeVerified(InputStream in, String digest, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".dl-", ".tmp");
    try {
      MessageDigest md = sha();
      try (OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
          out.write(buf, 0, n);
        }
      }
      String got = "sha256:" + HexFormat.of().formatHex(md.digest());
      if (!got.equals(digest)) {
        throw failed("digest mismatch: expected " + digest + ", got " + got, null);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private HttpResponse<InputStream> get(ImageReference image, String path, String accept, List<RegistryCredential> creds) {
    String host = image.apiHost();
    URI uri = URI.create(scheme(host) + "://" + host + "/v2/" + image.repository() + path);
    String tokenKey = host + "/" + image.repository();
    try {
      boolean reauthorized = false;
      int redirects = 0;
      while (true) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).header("Accept", accept);
        String auth = tokens.get(tokenKey);
        // credentials go only to the registry itself, never to the storage a blob redirect points at
        boolean toRegistry = uri.getAuthority().equals(host);
        if (auth != null && toRegistry) {
          req.header("Authorization", auth);
        }
        HttpResponse<InputStream> resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = resp.statusCode();
        if (status == 401 && toRegistry && !reauthorized) {
          String challenge = resp.headers().firstValue("WWW-Authenticate").orElse("");
          resp.body().close();
          tokens.put(tokenKey, authorize(image, challenge, credential(image.registry(), creds)));
          reauthorized = true;
          continue;
        }
        if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && redirects < 5) {
          String location = resp.headers().firstValue("Location").orElse(null);
          resp.body().close();
          if (location == null) {
            throw failed("pulling " + image + ": redirect without a location", null);
          }
          URI next = uri.resolve(location);
          if (!"http".equals(uri.getScheme()) && "http".equals(next.getScheme())) {
            throw failed("pulling " + image + ": refusing redirect from HTTPS to HTTP (" + next.getAuthority() + ")", null);
          }
          uri = next;
          redirects++;
          continue;
        }
        if (status / 100 != 2) {
          String body;
          try (InputStream in = resp.body()) {
            body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
          }
          throw failed(describe(image, status, body), null);
        }
        return resp;
      }
    } catch (IOException e) {
      throw failed("pulling " + image + " from " + uri.getAuthority() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed("interrupted pulling " + image, e);
    }
  }

  /** Answers a challenge: basic auth directly, bearer by fetching a token from the realm. */
  private String authorize(ImageReference image, String challenge, RegistryCredential cred)
      throws IOException, InterruptedException {
    String basic = cred == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (cred.username() + ":" + cred.password()).getBytes(StandardCharsets.UTF_8));
    if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
      if (basic == null) {
        throw failed("pulling " + image + ": registry requires authentication (no credentials for " + image.registry() + ")", null);
      }
      return basic;
    }
    if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
      throw failed("pulling " + image + ": unsupported authentication challenge \"" + challenge + "\"", null);
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      params.put(m.group(1), m.group(2));
    }
    String realm = params.get("realm");
    if (realm == null) {
      throw failed("pulling " + image + ": bearer challenge without realm", null);
    }
    StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
    if (params.containsKey("service")) {
      url.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
    }
    String scope = params.getOrDefault("scope", "repository:" + image.repository() + ":pull");
    url.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(30));
    if (basic != null) {
      req.header("Authorization", basic);
    }
    HttpResponse<String> resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() / 100 != 2) {
      throw failed(describe(image, resp.statusCode(), resp.body()), null);
    }
    JsonNode json = Json.mapper().readTree(resp.body());
    String token = json.path("token").asText(json.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw failed("pulling " + image + ": token endpoint returned no token", null);
    }
    return "Bearer " + token;
  }

  /** The registry's own error text when it sent the distribution API's error JSON. */
  private static String describe(ImageReference image, int status, String body) {
    StringBuilder msg = new StringBuilder("pulling " + image + ": " + status);
    try {
      JsonNode errors = Json.mapper().readTree(body).path("errors");
      for (JsonNode e : errors) {
        msg.append(": ").append(e.path("code").asText()).append(": ").append(e.path("message").asText());
      }
      if (errors.isEmpty()) {
        msg.append(' ').append(body.strip());
      }
    } catch (IOException | RuntimeException e) {
      msg.append(' ').append(body.strip());
    }
    return msg.toString();
  }

  private static RegistryCredential credential(String registry, List<RegistryCredential> creds) {
    for (RegistryCredential c : creds) {
      String host = c.registry().replaceFirst("^https?://", "");
      int slash = host.indexOf('/');
      if (slash >= 0) {
        host = host.substring(0, slash);
      }
      if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
        host = "docker.io";
      }
      if (host.equals(registry)) {
        return c;
      }
    }
    return null;
  }

  private String scheme(String host) {
    if (insecureRegistries.contains(host)) {
      return "http";
    }
    String name = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.replaceFirst(":\\d+$", "");
    if (name.equals("localhost")) {
      return "http";
    }
    // Only literal addresses are resolved here: a host name must never cause a lookup to decide the scheme.
    if (name.matches("[0-9.]+") || name.contains(":")) {
      try {
        if (InetAddress.getByName(name).isLoopbackAddress()) {
          return "http";
        }
      } catch (IOException ignored) {
        // not an address after all: HTTPS
      }
    }
    return "https";
  }

  static ImagePullException failed(String message, Throwable cause) {
    return new ImagePullException(ImagePullException.Kind.PULL_FAILED, message, cause);
  }

  static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha().digest(bytes));
  }
}

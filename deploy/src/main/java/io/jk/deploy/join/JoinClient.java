package io.jk.deploy.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.JoinTokens;
import io.jk.apiserver.tls.Pem;
import io.jk.common.json.Json;
import io.jk.common.kubeconfig.Kubeconfigs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The joining node's side of {@link JoinEndpoint}: sends the join token and the node name,
 * checks the returned cluster CA against the expected hash when one is given (kubeadm's
 * {@code --discovery-token-ca-cert-hash}), and writes a kubeconfig holding only the node's own
 * credential. Blocking (network and file I/O).
 */
public final class JoinClient {

  private JoinClient() {}

  /**
   * Joins and writes {@code kubeconfig} (mode 0600) for {@code system:node:<nodeName>}.
   *
   * @param server the API server URL, e.g. {@code https://10.0.0.1:6443}
   * @param caCertHash {@code sha256:<hex>} of the cluster CA's public key, or null to trust the
   *     CA the server returns (the join token still has to be right)
   * @throws IOException with a message a user can act on when the server refuses or is unreachable
   */
  public static void join(String server, String token, String nodeName, String caCertHash, Path kubeconfig)
      throws IOException, InterruptedException {
    URI uri = URI.create(server.replaceAll("/+$", "") + JoinEndpoint.PATH);
    if (!"https".equals(uri.getScheme())) {
      throw new IOException("--server must be an https:// URL, got " + server);
    }
    ObjectNode body = Json.mapper().createObjectNode().put("token", token).put("nodeName", nodeName);
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IOException("cannot reach " + uri + ": " + e.getMessage(), e);
    }
    JsonNode reply = Json.mapper().readTree(response.body());
    if (response.statusCode() != 200) {
      throw new IOException("join refused by " + server + " (HTTP " + response.statusCode() + "): "
          + reply.path("message").asText(response.body()));
    }
    String ca = reply.path("ca").asText();
    if (caCertHash != null && !caCertHash.isBlank()) {
      String actual = JoinTokens.caCertHash(Pem.readCertificates(ca).get(0));
      if (!actual.equalsIgnoreCase(caCertHash.trim())) {
        throw new IOException("the server's cluster CA has hash " + actual + ", expected " + caCertHash
            + ": refusing to join");
      }
    }
    Files.createDirectories(kubeconfig.toAbsolutePath().getParent());
    Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate(server, ca, "jk",
        "system:node:" + nodeName, reply.path("certificate").asText(), reply.path("key").asText(), "default"));
    // the kubelet's API trusts the cluster CA for the API server's client certificate (logs, exec)
    Files.writeString(caFile(kubeconfig), ca);
  }

  /**
   * Trusts any server certificate, for the join request only: the node has no CA yet. The
   * token is what authenticates the exchange; the CA hash, when given, authenticates the server.
   */
  private static SSLContext trustAll() throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** Where {@link #join} keeps the cluster CA: beside the node's kubeconfig. */
  public static Path caFile(Path kubeconfig) {
    return kubeconfig.toAbsolutePath().getParent().resolve("ca.crt");
  }
}

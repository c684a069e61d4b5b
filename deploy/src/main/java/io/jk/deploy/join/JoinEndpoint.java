package io.jk.deploy.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.JoinTokens;
import io.jk.apiserver.auth.NodeCredentialIssuer;
import io.jk.apiserver.auth.NodeCredentialIssuer.NodeCredentials;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.ClusterPki;
import io.jk.apiserver.tls.Pem;
import io.jk.common.json.Json;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server endpoint where a joining node trades its join token for its own credential:
 * {@code POST /jk/v1/join} with {@code {"token": "<id>.<secret>", "nodeName": "n1"}} answers
 * {@code {"nodeName", "certificate", "key", "ca"}} (PEM), a client certificate for
 * {@code system:node:<name>} in {@code system:nodes} signed by the cluster CA.
 *
 * <p>It is mounted before the API server's authentication (the joining node has no credential
 * yet); the join token is the credential. Wrong tokens get 401, bad bodies 400, both as a
 * Kubernetes {@code Status}. Key generation and file reads run on a worker thread.
 */
public final class JoinEndpoint {

  /** The path of the endpoint. */
  public static final String PATH = "/jk/v1/join";

  private static final Logger LOG = LoggerFactory.getLogger(JoinEndpoint.class);

  private final Vertx vertx;
  private final Path pkiDir;
  private final JoinTokens tokens;
  private volatile NodeCredentialIssuer issuer;

  /**
   * @param pkiDir the API server's PKI directory (holding {@code ca.crt} and {@code ca.key});
   *     read on the first request, after the API server created it
   * @param tokens the cluster's join tokens
   */
  public JoinEndpoint(Vertx vertx, Path pkiDir, JoinTokens tokens) {
    this.vertx = vertx;
    this.pkiDir = pkiDir;
    this.tokens = tokens;
  }

  /** Mounts the endpoint on {@code router} (call before authentication handlers are added). */
  public void mount(Router router) {
    router.post(PATH).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    JsonNode body;
    try {
      body = Json.mapper().readTree(ctx.body().asString());
    } catch (Exception e) {
      status(ctx, 400, "BadRequest", "join request body is not JSON: " + e.getMessage());
      return;
    }
    if (body == null || !body.path("token").isTextual() || !body.path("nodeName").isTextual()) {
      status(ctx, 400, "BadRequest", "join request needs string fields \"token\" and \"nodeName\"");
      return;
    }
    String token = body.path("token").asText();
    String nodeName = body.path("nodeName").asText();
    vertx.<Optional<NodeCredentials>>executeBlocking(() -> issuer().issue(token, nodeName), false)
        .onSuccess(creds -> {
          if (creds.isEmpty()) {
            status(ctx, 401, "Unauthorized", "invalid or expired join token");
            return;
          }
          ObjectNode out = Json.mapper().createObjectNode();
          out.put("nodeName", creds.get().nodeName());
          out.put("certificate", creds.get().certificatePem());
          out.put("key", creds.get().privateKeyPem());
          out.put("ca", creds.get().caPem());
          ctx.response().putHeader("Content-Type", "application/json").end(out.toString());
        })
        .onFailure(e -> {
          if (e instanceof IllegalArgumentException) {
            status(ctx, 400, "BadRequest", e.getMessage());
          } else {
            LOG.warn("Join failed node={} err=\"{}\"", nodeName, e.toString());
            status(ctx, 500, "InternalError", "cannot issue node credentials: " + e.getMessage());
          }
        });
  }

  /**
   * The cluster CA kept in {@code pkiDir} by the API server. Blocking file I/O.
   *
   * @throws IllegalStateException when the directory has no CA key (certificates given by flags)
   */
  public static CertificateAuthority authority(Path pkiDir) throws java.io.IOException {
    Path cert = pkiDir.resolve(ClusterPki.CA_CERT);
    Path key = pkiDir.resolve(ClusterPki.CA_KEY);
    if (!Files.exists(key)) {
      throw new IllegalStateException("no cluster CA key in " + pkiDir + ": this server cannot issue node credentials");
    }
    return new CertificateAuthority(Pem.readCertificates(Files.readString(cert)).get(0),
        Pem.readPrivateKey(Files.readString(key)));
  }

  private NodeCredentialIssuer issuer() throws Exception {
    NodeCredentialIssuer i = issuer;
    if (i == null) {
      i = new NodeCredentialIssuer(tokens, authority(pkiDir), NodeCredentialIssuer.DEFAULT_VALIDITY);
      issuer = i;
    }
    return i;
  }

  private static void status(RoutingContext ctx, int code, String reason, String message) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    ctx.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(s.toString());
  }
}

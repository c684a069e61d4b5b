package io.jk.common.kubeconfig;

import io.jk.common.files.AtomicFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jk.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes kubeconfig files for jk's users (the admin, kubelets, components), readable by
 * fabric8's {@code Config.fromKubeconfig} and by {@code kubectl}.
 *
 * <p>One cluster, one user and one context, all named after {@link Spec#contextName()}; the CA
 * and client credentials are embedded ({@code certificate-authority-data}, {@code
 * client-certificate-data}/{@code client-key-data} or {@code token}) so the file stands alone.
 * Files are written with mode 0600 through a temporary file and an atomic rename.
 */
public final class Kubeconfigs {

  private Kubeconfigs() {}

  /**
   * What goes in a kubeconfig.
   *
   * @param server the API server URL, e.g. {@code https://127.0.0.1:6443}
   * @param caPem the PEM of the CA that signed the server's certificate (null: system trust)
   * @param contextName the name of the cluster, user and context entries, e.g. {@code jk}
   * @param userName the user entry's name, e.g. {@code jk-admin}
   * @param clientCertificatePem client certificate PEM (null when using a token)
   * @param clientKeyPem client key PEM (null when using a token)
   * @param token bearer token (null when using a client certificate)
   * @param namespace the context's default namespace (null: {@code default})
   */
  public record Spec(String server, String caPem, String contextName, String userName,
      String clientCertificatePem, String clientKeyPem, String token, String namespace) {

    /** Checks that exactly one kind of credential is given. */
    public Spec {
      if (server == null || !(server.startsWith("https://") || server.startsWith("http://"))) {
        throw new IllegalArgumentException("kubeconfig server must be an http(s) URL, got " + server);
      }
      if (contextName == null || contextName.isBlank()) {
        throw new IllegalArgumentException("kubeconfig context name must not be empty");
      }
      if (userName == null || userName.isBlank()) {
        throw new IllegalArgumentException("kubeconfig user name must not be empty");
      }
      boolean cert = clientCertificatePem != null || clientKeyPem != null;
      if (cert && (clientCertificatePem == null || clientKeyPem == null)) {
        throw new IllegalArgumentException("kubeconfig client certificate and key must be given together");
      }
      if (cert == (token != null)) {
        throw new IllegalArgumentException("kubeconfig needs either a client certificate or a token, not "
            + (cert ? "both" : "neither"));
      }
    }

    /** A kubeconfig authenticating with a client certificate. */
    public static Spec withClientCertificate(String server, String caPem, String contextName, String userName,
        String certificatePem, String keyPem, String namespace) {
      return new Spec(server, caPem, contextName, userName, certificatePem, keyPem, null, namespace);
    }

    /** A kubeconfig authenticating with a bearer token. */
    public static Spec withToken(String server, String caPem, String contextName, String userName, String token,
        String namespace) {
      return new Spec(server, caPem, contextName, userName, null, null, token, namespace);
    }

    @Override
    public String toString() {
      return "Spec[server=" + server + ", context=" + contextName + ", user=" + userName + "]";
    }
  }

  /** The kubeconfig YAML for {@code spec}. */
  public static String render(Spec spec) {
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("server", spec.server());
    if (spec.caPem() != null) {
      cluster.put("certificate-authority-data", base64(spec.caPem()));
    }
    Map<String, Object> user = new LinkedHashMap<>();
    if (spec.token() != null) {
      user.put("token", spec.token());
    } else {
      user.put("client-certificate-data", base64(spec.clientCertificatePem()));
      user.put("client-key-data", base64(spec.clientKeyPem()));
    }
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("cluster", spec.contextName());
    context.put("user", spec.userName());
    context.put("namespace", spec.namespace() == null || spec.namespace().isBlank() ? "default" : spec.namespace());

    Map<String, Object> config = new LinkedHashMap<>();
    config.put("apiVersion", "v1");
    config.put("kind", "Config");
    config.put("clusters", List.of(Map.of("name", spec.contextName(), "cluster", cluster)));
    config.put("users", List.of(Map.of("name", spec.userName(), "user", user)));
    config.put("contexts", List.of(Map.of("name", spec.contextName(), "context", context)));
    config.put("current-context", spec.contextName());
    config.put("preferences", Map.of());
    try {
      return Json.yamlMapper().writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render kubeconfig: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the kubeconfig for {@code spec} to {@code file} (mode 0600, atomically), creating
   * parent directories. Blocking file I/O.
   */
  public static void write(Path file, Spec spec) throws IOException {
    AtomicFiles.writeString(file, render(spec), true);
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
  }
}

package io.jk.apiserver.proxy;

import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * The API server's identity towards kubelets: a client certificate ({@code kubelet-client.crt},
 * CN {@code kube-apiserver-kubelet-client}, group {@code system:masters}) issued by the cluster
 * CA, and optionally the CA that kubelets' serving certificates are checked against.
 *
 * @param certificatePem the client certificate
 * @param privateKeyPem its key
 * @param kubeletCaPem the CA of kubelet serving certificates; null trusts any (as Kubernetes does
 *     without {@code --kubelet-certificate-authority}: kubelets often serve self-signed certificates)
 */
public record KubeletClientCredentials(String certificatePem, String privateKeyPem, String kubeletCaPem) {

  /** The certificate's file name in the PKI directory. */
  public static final String CERT_FILE = "kubelet-client.crt";
  /** The key's file name in the PKI directory. */
  public static final String KEY_FILE = "kubelet-client.key";
  /** The client certificate's user name. */
  public static final String USER = "kube-apiserver-kubelet-client";

  @Override
  public String toString() {
    return "KubeletClientCredentials[certificate, key hidden]";
  }

  /** Reads {@code kubelet-client.crt}/{@code .key} from {@code pkiDir}, issuing them with {@code ca} when missing. */
  public static KubeletClientCredentials loadOrCreate(Path pkiDir, CertificateAuthority ca) {
    Path cert = pkiDir.resolve(CERT_FILE);
    Path key = pkiDir.resolve(KEY_FILE);
    try {
      if (!Files.isRegularFile(cert) || !Files.isRegularFile(key)) {
        IssuedCertificate issued = ca.issueClientCertificate(USER, List.of("system:masters"), Duration.ofDays(365));
        Files.createDirectories(pkiDir);
        Files.writeString(key, issued.privateKeyPem(), StandardCharsets.US_ASCII);
        try {
          Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system
        }
        Files.writeString(cert, issued.certificatePem(), StandardCharsets.US_ASCII);
      }
      return new KubeletClientCredentials(Files.readString(cert, StandardCharsets.US_ASCII),
          Files.readString(key, StandardCharsets.US_ASCII), null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the kubelet client certificate in " + pkiDir, e);
    }
  }

  /**
   * Sets up {@code options} (an HTTP or WebSocket client's) to reach kubelets: over TLS, presenting
   * {@code creds}' certificate and trusting their kubelet CA; with {@code creds} null or without a CA,
   * kubelet serving certificates are not checked (they are self-signed per node), as kube-apiserver
   * does without {@code --kubelet-certificate-authority}.
   */
  public static void applyTo(KubeletClientCredentials creds, io.vertx.core.net.ClientOptionsBase options) {
    options.setSsl(true);
    if (creds != null) {
      options.setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
          .setCertValue(io.vertx.core.buffer.Buffer.buffer(creds.certificatePem()))
          .setKeyValue(io.vertx.core.buffer.Buffer.buffer(creds.privateKeyPem())));
    }
    if (creds != null && creds.kubeletCaPem() != null) {
      options.setTrustOptions(new io.vertx.core.net.PemTrustOptions()
          .addCertValue(io.vertx.core.buffer.Buffer.buffer(creds.kubeletCaPem())));
    } else {
      options.setTrustAll(true);
    }
  }
}

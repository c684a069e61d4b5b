package io.jk.apiserver.tls;

import io.jk.common.files.AtomicFiles;

import io.jk.common.kubeconfig.Kubeconfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's TLS material: its serving certificate and key, and the CA bundle that client
 * certificates are verified against.
 *
 * <p>Two ways to get one:
 * <ul>
 *   <li>{@link #loadOrCreate}: jk's own cluster CA in a data directory. The first start writes
 *       {@code ca.crt}/{@code ca.key} (EC P-256, 10 years) and {@code apiserver.crt}/{@code
 *       apiserver.key} (1 year); later starts reuse them and re-issue only the serving
 *       certificate, when the wanted names changed or it expires within 30 days. Keys are 0600.
 *   <li>{@link #fromFiles}: files the operator gave ({@code --tls-cert-file},
 *       {@code --tls-private-key-file}, {@code --client-ca-file}); jk then cannot issue
 *       certificates ({@link #authority()} is empty).
 * </ul>
 */
public final class ClusterPki {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterPki.class);

  /** Validity of a generated cluster CA. */
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  /** Validity of a generated serving certificate. */
  public static final Duration SERVING_VALIDITY = Duration.ofDays(365);
  /** A serving certificate expiring sooner than this is re-issued at start. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String SERVING_CERT = "apiserver.crt";
  public static final String SERVING_KEY = "apiserver.key";

  private final CertificateAuthority authority;
  private final String servingCertificatePem;
  private final String servingKeyPem;
  private final String clientCaPem;
  private final List<X509Certificate> clientCaCertificates;

  private ClusterPki(CertificateAuthority authority, String servingCertificatePem, String servingKeyPem,
      String clientCaPem) {
    this.authority = authority;
    this.servingCertificatePem = servingCertificatePem;
    this.servingKeyPem = servingKeyPem;
    this.clientCaPem = clientCaPem;
    this.clientCaCertificates = clientCaPem == null ? List.of() : List.copyOf(Pem.readCertificates(clientCaPem));
  }

  /**
   * Loads jk's cluster PKI from {@code dir}, creating what is missing (see the class comment).
   * Blocking (file I/O and key generation): call it at start or from a worker thread.
   *
   * @throws IllegalStateException when the directory holds half a CA or unreadable files
   */
  public static ClusterPki loadOrCreate(Path dir, ServingIdentity identity) {
    try {
      if (Files.notExists(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Path caCert = dir.resolve(CA_CERT);
      Path caKey = dir.resolve(CA_KEY);
      CertificateAuthority ca;
      if (Files.exists(caCert) && Files.exists(caKey)) {
        ca = new CertificateAuthority(Pem.readCertificates(Files.readString(caCert)).get(0),
            Pem.readPrivateKey(Files.readString(caKey)));
      } else if (Files.exists(caCert) || Files.exists(caKey)) {
        throw new IllegalStateException("found only one of " + caCert + " and " + caKey
            + ": restore the other or remove both to create a new cluster CA");
      } else {
        ca = CertificateAuthority.create("jk-ca@" + Instant.now().getEpochSecond(), CA_VALIDITY);
        AtomicFiles.writeString(caKey, ca.privateKeyPem(), true);
        AtomicFiles.writeString(caCert, ca.certificatePem(), false);
        LOG.info("Created cluster CA dir={}", dir);
      }

      Path servingCert = dir.resolve(SERVING_CERT);
      Path servingKey = dir.resolve(SERVING_KEY);
      String reason = reasonToReissue(ca, servingCert, servingKey, identity);
      if (reason != null) {
        IssuedCertificate serving = ca.issueServingCertificate("kube-apiserver", identity, SERVING_VALIDITY);
        AtomicFiles.writeString(servingKey, serving.privateKeyPem(), true);
        AtomicFiles.writeString(servingCert, serving.certificatePem(), false);
        LOG.info("Issued API server serving certificate reason=\"{}\" dns={} ips={}", reason,
            identity.dnsNames(), identity.ipAddresses());
      }
      return new ClusterPki(ca, Files.readString(servingCert), Files.readString(servingKey), ca.certificatePem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load or create the cluster PKI in " + dir + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("invalid PKI file in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * TLS material from operator-supplied files. The key must match the certificate.
   *
   * @param certFile the serving certificate (chain) PEM, as {@code --tls-cert-file}
   * @param keyFile its private key PEM, as {@code --tls-private-key-file}
   * @param clientCaFile the CA bundle for client certificates, as {@code --client-ca-file};
   *     null to accept no client certificates
   * @throws IllegalStateException when a file is missing, unreadable, or the key does not match
   */
  public static ClusterPki fromFiles(Path certFile, Path keyFile, Path clientCaFile) {
    try {
      String certPem = Files.readString(certFile);
      String keyPem = Files.readString(keyFile);
      X509Certificate cert = Pem.readCertificates(certPem).get(0);
      PrivateKey key = Pem.readPrivateKey(keyPem);
      if (!keyMatches(cert, key)) {
        throw new IllegalStateException("private key " + keyFile + " does not match certificate " + certFile);
      }
      String clientCa = clientCaFile == null ? null : Files.readString(clientCaFile);
      return new ClusterPki(null, certPem, keyPem, clientCa);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read TLS file: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("invalid TLS file: " + e.getMessage(), e);
    }
  }

  /**
   * The PKI for kube-apiserver-style flags: with {@code tlsCertFile} and {@code tlsKeyFile},
   * the operator's files ({@link #fromFiles}); without them, jk's own cluster PKI in {@code
   * dataDir} ({@link #loadOrCreate}). A {@code clientCaFile} is then trusted for client
   * certificates (beside jk's own CA when jk generated one).
   *
   * @param tlsCertFile {@code --tls-cert-file} or null
   * @param tlsKeyFile {@code --tls-private-key-file} or null
   * @param clientCaFile {@code --client-ca-file} or null
   * @throws IllegalArgumentException when only one of the certificate and key files is given
   * @throws IllegalStateException when a file is unreadable or invalid
   */
  public static ClusterPki resolve(Path dataDir, ServingIdentity identity, Path tlsCertFile, Path tlsKeyFile,
      Path clientCaFile) {
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file must be given together");
    }
    if (tlsCertFile != null) {
      return fromFiles(tlsCertFile, tlsKeyFile, clientCaFile);
    }
    ClusterPki pki = loadOrCreate(dataDir, identity);
    if (clientCaFile == null) {
      return pki;
    }
    try {
      return pki.withAdditionalClientCa(Files.readString(clientCaFile));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read --client-ca-file " + clientCaFile + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("invalid --client-ca-file " + clientCaFile + ": " + e.getMessage(), e);
    }
  }

  /** The CA that can issue client certificates, when jk generated or was given its key. */
  public Optional<CertificateAuthority> authority() {
    return Optional.ofNullable(authority);
  }

  /** The serving certificate (chain) as PEM. */
  public String servingCertificatePem() {
    return servingCertificatePem;
  }

  /** The serving private key as PEM. */
  public String servingKeyPem() {
    return servingKeyPem;
  }

  /** The client CA bundle as PEM; empty when client certificates are not accepted. */
  public Optional<String> clientCaPem() {
    return Optional.ofNullable(clientCaPem);
  }

  /** The client CA certificates (empty when client certificates are not accepted). */
  public List<X509Certificate> clientCaCertificates() {
    return clientCaCertificates;
  }

  /**
   * These TLS files, with {@code extraClientCaPem} (an operator's {@code --client-ca-file})
   * also trusted for client certificates beside the current client CA.
   *
   * @throws IllegalArgumentException when the PEM holds no certificate
   */
  public ClusterPki withAdditionalClientCa(String extraClientCaPem) {
    Pem.readCertificates(extraClientCaPem); // validate
    String bundle = clientCaPem == null ? extraClientCaPem
        : clientCaPem + (clientCaPem.endsWith("\n") ? "" : "\n") + extraClientCaPem;
    return new ClusterPki(authority, servingCertificatePem, servingKeyPem, bundle);
  }

  /**
   * Issues a client certificate from the cluster CA and writes a kubeconfig with it (mode 0600,
   * atomically), e.g. the admin kubeconfig: {@code writeClientKubeconfig(path,
   * "https://127.0.0.1:6443", "jk-admin", List.of("system:masters"), Duration.ofDays(365))}.
   * The kubeconfig trusts the cluster CA. Blocking.
   *
   * @throws IllegalStateException when this PKI has no CA key (operator-supplied files)
   */
  public void writeClientKubeconfig(Path file, String serverUrl, String userName, List<String> groups,
      Duration validity) throws IOException {
    CertificateAuthority ca = authority().orElseThrow(() -> new IllegalStateException(
        "cannot issue a client certificate: the cluster CA key is not available"));
    IssuedCertificate cert = ca.issueClientCertificate(userName, groups, validity);
    Kubeconfigs.write(file, Kubeconfigs.Spec.withClientCertificate(serverUrl, ca.certificatePem(), "jk", userName,
        cert.certificatePem(), cert.privateKeyPem(), "default"));
  }

  /** Null when the serving certificate on disk can be reused, else why it must be issued. */
  private static String reasonToReissue(CertificateAuthority ca, Path certFile, Path keyFile,
      ServingIdentity wanted) throws IOException {
    if (!Files.exists(certFile) || !Files.exists(keyFile)) {
      return "missing";
    }
    X509Certificate cert;
    PrivateKey key;
    try {
      cert = Pem.readCertificates(Files.readString(certFile)).get(0);
      key = Pem.readPrivateKey(Files.readString(keyFile));
    } catch (IllegalArgumentException e) {
      return "unreadable: " + e.getMessage();
    }
    try {
      cert.verify(ca.certificate().getPublicKey());
    } catch (GeneralSecurityException e) {
      return "not signed by the cluster CA";
    }
    if (!keyMatches(cert, key)) {
      return "key does not match certificate";
    }
    if (cert.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
      return "expires " + cert.getNotAfter().toInstant();
    }
    Set<String> dns = new TreeSet<>();
    Set<String> ips = new TreeSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          int type = (Integer) san.get(0);
          if (type == 2) {
            dns.add((String) san.get(1));
          } else if (type == 7) {
            ips.add(ServingIdentity.normalizeIp((String) san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return "unreadable SANs";
    }
    if (!dns.equals(wanted.dnsNames()) || !ips.equals(wanted.ipAddresses())) {
      return "names changed";
    }
    return null;
  }

  /** Whether {@code key} is the private half of the certificate's public key (sign and verify). */
  static boolean keyMatches(X509Certificate cert, PrivateKey key) {
    try {
      String algorithm = "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
      java.security.Signature signer = java.security.Signature.getInstance(algorithm);
      signer.initSign(key);
      byte[] probe = "jk-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      signer.update(probe);
      byte[] signature = signer.sign();
      java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

}

package io.jk.apiserver.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority: a CA certificate and its private key, which issues client and
 * serving certificates.
 *
 * <p>Keys are EC P-256 and signatures ECDSA with SHA-256 (RSA CAs given by an operator sign
 * with SHA256withRSA). Client certificates follow Kubernetes' convention: the common name is
 * the user name and each organization a group, so {@code CN=system:node:n1, O=system:nodes} is
 * node n1's kubelet. Instances are immutable and thread-safe.
 */
public final class CertificateAuthority {

  /** Certificates start this much in the past, to tolerate clock skew between machines. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  /**
   * A CA from its certificate and key.
   *
   * @throws IllegalArgumentException when the certificate is not a CA or the key does not match it
   */
  public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal().getName()
          + " is not a CA certificate (no basicConstraints CA:TRUE)");
    }
    if (!keyFamily(certificate.getPublicKey().getAlgorithm()).equals(keyFamily(privateKey.getAlgorithm()))) {
      throw new IllegalArgumentException("CA private key (" + privateKey.getAlgorithm()
          + ") does not match the CA certificate's key (" + certificate.getPublicKey().getAlgorithm() + ")");
    }
  }

  private static String keyFamily(String algorithm) {
    return "ECDSA".equals(algorithm) ? "EC" : algorithm;
  }

  /** A new self-signed CA named {@code commonName}, valid for {@code validity}. */
  public static CertificateAuthority create(String commonName, Duration validity) {
    KeyPair keys = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(subject, subject, keys.getPublic(), validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create CA certificate: " + e.getMessage(), e);
    }
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA certificate as PEM (what kubeconfigs embed as {@code certificate-authority-data}). */
  public String certificatePem() {
    return Pem.encode(certificate);
  }

  /** The CA private key as PEM. */
  String privateKeyPem() {
    return Pem.encode(privateKey);
  }

  /**
   * Issues a client certificate (extended key usage clientAuth) with a new key.
   *
   * @param commonName the user name, e.g. {@code jk-admin} or {@code system:node:n1}
   * @param organizations the user's groups, e.g. {@code system:masters} or {@code system:nodes}
   * @param validity how long the certificate is valid from now
   * @throws IllegalArgumentException for a blank common name or a non-positive validity
   */
  public IssuedCertificate issueClientCertificate(String commonName, List<String> organizations, Duration validity) {
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("certificate validity must be positive, got " + validity);
    }
    Instant now = Instant.now();
    return issueClientCertificate(commonName, organizations, now.minus(BACKDATE), now.plus(validity));
  }

  /**
   * Issues a client certificate valid from {@code notBefore} to {@code notAfter} (for
   * rotation and for tests of expired credentials).
   *
   * @throws IllegalArgumentException for a blank common name or {@code notAfter} not after {@code notBefore}
   */
  public IssuedCertificate issueClientCertificate(String commonName, List<String> organizations, Instant notBefore,
      Instant notAfter) {
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("client certificate common name must not be empty");
    }
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    for (String organization : organizations) {
      name.addRDN(BCStyle.O, organization);
    }
    name.addRDN(BCStyle.CN, commonName);
    return issue(name.build(), notBefore, notAfter, KeyPurposeId.id_kp_clientAuth, null);
  }

  /**
   * Issues a serving certificate (extended key usage serverAuth) for {@code identity} with a new key.
   *
   * @param commonName the subject common name, e.g. {@code kube-apiserver}
   */
  public IssuedCertificate issueServingCertificate(String commonName, ServingIdentity identity, Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    identity.dnsNames().forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
    identity.ipAddresses().forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("certificate validity must be positive, got " + validity);
    }
    Instant now = Instant.now();
    return issue(subject, now.minus(BACKDATE), now.plus(validity), KeyPurposeId.id_kp_serverAuth,
        new GeneralNames(names.toArray(GeneralName[]::new)));
  }

  private IssuedCertificate issue(X500Name subject, Instant notBefore, Instant notAfter, KeyPurposeId purpose,
      GeneralNames sans) {
    if (notBefore == null || notAfter == null || !notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("certificate must end after it starts: " + notBefore + " .. " + notAfter);
    }
    KeyPair keys = newKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
              X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), serial(),
              Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      if (sans != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      X509Certificate issued = sign(builder, privateKey);
      return new IssuedCertificate(issued, Pem.encode(issued), Pem.encode(keys.getPrivate()));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Duration validity) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(now.minus(BACKDATE)),
        Date.from(now.plus(validity)), subject, key);
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    String algorithm = "RSA".equals(signer.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    try {
      ContentSigner contentSigner = new JcaContentSignerBuilder(algorithm).build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot create signer " + algorithm + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate EC P-256 key: " + e.getMessage(), e);
    }
  }
}

package io.jk.apiserver.serviceaccount;

import io.jk.apiserver.tls.Pem;
import io.jk.common.files.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RSA key that signs service account tokens (RS256), as kube-apiserver's {@code
 * --service-account-signing-key-file}, and the public keys that verify them ({@code
 * --service-account-key-file}).
 *
 * <p>{@link #loadOrCreate} keeps the key in {@code <data-dir>/pki/sa.key} (mode 0600): created
 * once, reused on every restart, so tokens stay valid across restarts.
 *
 * @param privateKey the signing key (RSA)
 * @param keyId the {@code kid} header of signed tokens: the unpadded base64url SHA-256 of the
 *     public key's DER form, as Kubernetes computes it
 * @param verificationKeys the public keys tokens are accepted from, the signing key's first
 */
public record SigningKey(PrivateKey privateKey, String keyId, List<PublicKey> verificationKeys) {

  private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);
  /** The file name of the generated key in the PKI directory. */
  public static final String FILE = "sa.key";
  private static final int RSA_BITS = 2048;

  /** Immutable copy. */
  public SigningKey {
    verificationKeys = List.copyOf(verificationKeys);
  }

  /**
   * The key in {@code file}, created (RSA 2048, mode 0600) when missing. Blocking.
   *
   * @throws IllegalStateException when the file holds no usable RSA private key
   */
  public static SigningKey loadOrCreate(Path file) {
    try {
      if (Files.notExists(file)) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(RSA_BITS);
        KeyPair pair = generator.generateKeyPair();
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, Pem.encode(pair.getPrivate()), true);
        LOG.info("Created service account signing key path={}", file);
      }
      return fromPem(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the service account key " + file + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a service account key: " + e.getMessage(), e);
    }
  }

  /**
   * The signing key in PEM text ({@code what} names it in errors).
   *
   * @throws IllegalStateException when the text holds no RSA private key
   */
  public static SigningKey fromPem(String pem, String what) {
    PrivateKey key;
    try {
      key = Pem.readPrivateKey(pem);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("invalid service account key " + what + ": " + e.getMessage(), e);
    }
    if (!(key instanceof RSAPrivateCrtKey rsa)) {
      throw new IllegalStateException("service account key " + what + " must be an RSA private key, got "
          + key.getAlgorithm());
    }
    try {
      PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(),
          rsa.getPublicExponent()));
      return new SigningKey(key, keyId(pub), List.of(pub));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("invalid service account key " + what + ": " + e.getMessage(), e);
    }
  }

  /** The signing key's public half. */
  public PublicKey publicKey() {
    return verificationKeys.get(0);
  }

  /**
   * This key also accepting tokens signed by the keys in {@code pem} (public keys, certificates or
   * private keys, as {@code --service-account-key-file}).
   *
   * @throws IllegalStateException when the text holds no key
   */
  public SigningKey withVerificationKeys(String pem, String what) {
    List<PublicKey> more = new ArrayList<>(verificationKeys);
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    int found = 0;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item;
      while ((item = parser.readObject()) != null) {
        PublicKey pub = null;
        if (item instanceof SubjectPublicKeyInfo info) {
          pub = converter.getPublicKey(info);
        } else if (item instanceof X509CertificateHolder cert) {
          pub = converter.getPublicKey(cert.getSubjectPublicKeyInfo());
        } else if (item instanceof PEMKeyPair pair && pair.getPublicKeyInfo() != null) {
          pub = converter.getPublicKey(pair.getPublicKeyInfo());
        }
        if (pub != null) {
          more.add(pub);
          found++;
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("invalid service account key file " + what + ": " + e.getMessage(), e);
    }
    if (found == 0) {
      throw new IllegalStateException("no public key found in service account key file " + what);
    }
    return new SigningKey(privateKey, keyId, more);
  }

  /** Kubernetes' key id: base64url(SHA-256(DER public key)), unpadded. */
  static String keyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

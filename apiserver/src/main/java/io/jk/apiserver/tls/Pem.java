package io.jk.apiserver.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM encoding and decoding of certificates and private keys.
 *
 * <p>Keys are written as unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}), the form that Vert.x,
 * fabric8, Go's {@code crypto/tls} (kubectl) and OpenSSL all read. Reading also accepts PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}) keys, as operators
 * supply them.
 */
public final class Pem {

  private static final JcaX509CertificateConverter CERT_CONVERTER = new JcaX509CertificateConverter();
  private static final JcaPEMKeyConverter KEY_CONVERTER = new JcaPEMKeyConverter();

  private Pem() {}

  /** The PEM text of one certificate. */
  public static String encode(X509Certificate certificate) {
    try {
      return block("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode certificate: " + e.getMessage(), e);
    }
  }

  /** The PEM text of a private key, as unencrypted PKCS#8. */
  public static String encode(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  /**
   * Every certificate in {@code pem}, in order.
   *
   * @throws IllegalArgumentException when the text holds no certificate or a broken one
   */
  public static List<X509Certificate> readCertificates(String pem) {
    List<X509Certificate> certificates = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (item instanceof X509CertificateHolder holder) {
          certificates.add(CERT_CONVERTER.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException("invalid PEM certificate data: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate found");
    }
    return certificates;
  }

  /**
   * The first private key in {@code pem} (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted).
   *
   * @throws IllegalArgumentException when the text holds no readable private key
   */
  public static PrivateKey readPrivateKey(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (item instanceof PrivateKeyInfo info) {
          return KEY_CONVERTER.getPrivateKey(info);
        }
        if (item instanceof PEMKeyPair pair) {
          return KEY_CONVERTER.getKeyPair(pair).getPrivate();
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid PEM private key data: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("no unencrypted PEM private key found");
  }

  private static String block(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}

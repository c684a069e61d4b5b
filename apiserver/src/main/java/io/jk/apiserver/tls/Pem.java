package io.jk.apiserver.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.asn1.ASN1Encodable;
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
 * <p>Keys are written unencrypted in the traditional forms, SEC1 ({@code BEGIN EC PRIVATE KEY},
 * with the named curve) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as kubeadm writes them: these
 * are what Vert.x, Go's {@code crypto/tls} (kubectl), OpenSSL and fabric8 all read (fabric8 reads
 * an EC key only in SEC1 form). Reading also accepts PKCS#8 ({@code BEGIN PRIVATE KEY}).
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

  /** The PEM text of a private key: SEC1 for EC keys, PKCS#1 for RSA keys, else PKCS#8. */
  public static String encode(PrivateKey key) {
    try {
      PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
      if (key instanceof ECPrivateKey ec) {
        // The JDK leaves the curve out of the inner structure; SEC1 readers (Go, fabric8) need it.
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
            ec.getParams().getOrder().bitLength(), ec.getS(), curve);
        return block("EC PRIVATE KEY", sec1.getEncoded());
      }
      if (key instanceof RSAPrivateKey) {
        return block("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
      }
      return block("PRIVATE KEY", key.getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode private key: " + e.getMessage(), e);
    }
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
          return KEY_CONVERTER.getPrivateKey(pair.getPrivateKeyInfo()); // public half may be absent
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

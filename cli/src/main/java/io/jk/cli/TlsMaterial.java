package io.jk.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * PEM certificates and private keys as kubeconfigs hold them, turned into what JSSE needs.
 *
 * <p>Keys may be PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}, what jk's CA issues)
 * or PKCS#1 ({@code RSA PRIVATE KEY}). The client key is served by a small key manager instead
 * of a PKCS#12 key store: storing a key in one encrypts it with thousands of PBKDF2 rounds, which
 * costs a command-line tool tens of milliseconds at every start.
 */
final class TlsMaterial {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
  private static final byte[] OID_EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private TlsMaterial() {}

  /** Every certificate in a PEM text. */
  static List<X509Certificate> certificates(byte[] pem) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    if (out.isEmpty()) {
      throw new GeneralSecurityException("no certificate found");
    }
    return out;
  }

  /** A trust store holding {@code cas}. */
  static KeyStore trustStore(List<X509Certificate> cas) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      ks.setCertificateEntry("ca-" + i, cas.get(i));
    }
    return ks;
  }

  /** The first private key of a PEM text. */
  static PrivateKey privateKey(byte[] pem) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      String type = m.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (type) {
        case "EC PRIVATE KEY":
          return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(sec1ToPkcs8(der)));
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
              sequence(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, der))));
        case "PRIVATE KEY":
          GeneralSecurityException last = null;
          for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
              return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
              last = e;
            }
          }
          throw last;
        default:
          throw new GeneralSecurityException("unsupported key type " + type);
      }
    }
    throw new GeneralSecurityException("no PEM private key found");
  }

  /** SEC1 {@code ECPrivateKey} wrapped as PKCS#8 with the curve taken from its parameters. */
  private static byte[] sec1ToPkcs8(byte[] sec1) throws GeneralSecurityException {
    byte[] curve = null;
    int[] outer = header(sec1, 0);
    int p = outer[0];
    int end = p + outer[1];
    while (p < end) {
      int[] h = header(sec1, p);
      if ((sec1[p] & 0xff) == 0xa0) {
        curve = java.util.Arrays.copyOfRange(sec1, h[0], h[0] + h[1]);
      }
      p = h[0] + h[1];
    }
    if (curve == null) {
      throw new GeneralSecurityException("EC private key without its curve");
    }
    return sequence(new byte[] {0x02, 0x01, 0x00}, sequence(OID_EC_PUBLIC_KEY, curve), tlv(0x04, sec1));
  }

  /** {offset of the content, its length} of the DER element at {@code at}. */
  private static int[] header(byte[] der, int at) throws GeneralSecurityException {
    if (at + 2 > der.length) {
      throw new GeneralSecurityException("truncated DER");
    }
    int len = der[at + 1] & 0xff;
    int p = at + 2;
    if (len > 0x80) {
      int n = len & 0x7f;
      if (n > 3 || p + n > der.length) {
        throw new GeneralSecurityException("bad DER length");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = len << 8 | der[p++] & 0xff;
      }
    }
    if (p + len > der.length) {
      throw new GeneralSecurityException("truncated DER");
    }
    return new int[] {p, len};
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return tlv(0x30, b.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(tag);
    int n = content.length;
    if (n < 0x80) {
      b.write(n);
    } else if (n < 0x100) {
      b.write(0x81);
      b.write(n);
    } else if (n < 0x10000) {
      b.write(0x82);
      b.write(n >> 8);
      b.write(n);
    } else {
      b.write(0x83);
      b.write(n >> 16);
      b.write(n >> 8);
      b.write(n);
    }
    b.writeBytes(content);
    return b.toByteArray();
  }

  /** Offers one client certificate chain and its key for every handshake whose key type fits. */
  static final class ClientKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    private final X509Certificate[] chain;
    private final PrivateKey key;

    ClientKeyManager(List<X509Certificate> chain, PrivateKey key) {
      this.chain = chain.toArray(X509Certificate[]::new);
      this.key = key;
    }

    private String alias(String[] keyTypes) {
      if (keyTypes == null) {
        return ALIAS;
      }
      String mine = key.getAlgorithm();
      for (String t : keyTypes) {
        if (t.equalsIgnoreCase(mine) || mine.equals("RSA") && t.equals("RSASSA-PSS")
            || mine.equals("EC") && t.equals("EC_EC")) {
          return ALIAS;
        }
      }
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }
  }
}

package io.jk.apiserver.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users from TLS client certificates, as kube-apiserver's {@code --client-ca-file}: the chain
 * must verify against one of the client CAs (PKIX, at the current time, extended key usage
 * clientAuth when the leaf states one); the subject's CN is the user name and each O a group.
 * A verified chain is remembered until its first certificate expires, so repeated requests
 * of one client cost a digest, not a signature check. Thread-safe.
 */
public final class ClientCertificateAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(ClientCertificateAuthenticator.class);
  private static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_EKU = "2.5.29.37.0";

  /** Verified chains are remembered (by their DER bytes) so a client's requests skip PKIX. */
  private static final int MAX_CACHED = 4096;

  private final Set<TrustAnchor> anchors;
  private final Map<String, Verified> cache = new ConcurrentHashMap<>();

  /** A user found from a verified chain, valid until the chain's first expiry. */
  private record Verified(UserInfo user, Instant validUntil) {}

  /**
   * @param clientCas the CA certificates client certificates must chain to
   * @throws IllegalArgumentException when {@code clientCas} is empty
   */
  public ClientCertificateAuthenticator(List<X509Certificate> clientCas) {
    if (clientCas.isEmpty()) {
      throw new IllegalArgumentException("at least one client CA certificate is needed");
    }
    Set<TrustAnchor> set = new HashSet<>();
    for (X509Certificate ca : clientCas) {
      set.add(new TrustAnchor(ca, null));
    }
    this.anchors = Set.copyOf(set);
  }

  @Override
  public Optional<UserInfo> authenticate(String authorizationHeader, List<X509Certificate> peerChain) {
    if (peerChain == null || peerChain.isEmpty()) {
      return Optional.empty();
    }
    String key = cacheKey(peerChain);
    Instant now = Instant.now();
    Verified cached = key == null ? null : cache.get(key);
    if (cached != null && now.isBefore(cached.validUntil())) {
      return Optional.of(cached.user());
    }
    Optional<UserInfo> user = verifyAndRead(peerChain);
    if (user.isPresent() && key != null) {
      if (cache.size() >= MAX_CACHED) {
        cache.clear();
      }
      Instant validUntil = peerChain.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo)
          .orElse(now);
      cache.put(key, new Verified(user.get(), validUntil));
    }
    return user;
  }

  private Optional<UserInfo> verifyAndRead(List<X509Certificate> peerChain) {
    X509Certificate leaf = peerChain.get(0);
    try {
      List<String> usages = leaf.getExtendedKeyUsage();
      if (usages != null && !usages.contains(CLIENT_AUTH_EKU) && !usages.contains(ANY_EKU)) {
        LOG.debug("Client certificate not valid for client authentication subject={}",
            leaf.getSubjectX500Principal().getName());
        return Optional.empty();
      }
      verify(peerChain);
    } catch (GeneralSecurityException e) {
      LOG.debug("Client certificate rejected subject={} err=\"{}\"", leaf.getSubjectX500Principal().getName(),
          e.getMessage());
      return Optional.empty();
    }
    String commonName = null;
    List<String> organizations = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          commonName = rdn.getValue().toString();
        } else if (rdn.getType().equalsIgnoreCase("O")) {
          organizations.add(rdn.getValue().toString()); // index 0 is the first RDN issued
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    if (commonName == null || commonName.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new UserInfo(commonName, "", organizations));
  }

  /** SHA-256 over the chain's DER encodings; null when a certificate cannot be encoded. */
  private static String cacheKey(List<X509Certificate> chain) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (X509Certificate cert : chain) {
        digest.update(cert.getEncoded());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  private void verify(List<X509Certificate> chain) throws GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    // The path excludes a trailing self-signed root; PKIX wants the anchor outside the path.
    List<X509Certificate> path = new ArrayList<>(chain);
    while (path.size() > 1 && isSelfSigned(path.get(path.size() - 1))) {
      path.remove(path.size() - 1);
    }
    CertPath certPath = factory.generateCertPath(path);
    PKIXParameters params = new PKIXParameters(anchors);
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(certPath, params);
  }

  private static boolean isSelfSigned(X509Certificate cert) {
    if (!cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
      return false;
    }
    try {
      cert.verify(cert.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}

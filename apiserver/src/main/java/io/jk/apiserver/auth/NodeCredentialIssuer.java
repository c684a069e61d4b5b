package io.jk.apiserver.auth;

import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues a joining node its kubelet credentials: given a valid join token and a node name, a
 * client certificate for {@code system:node:<name>} in {@code system:nodes}, with the cluster
 * CA to trust. The HTTP endpoint that calls it comes with issue 8. Blocking (file I/O, key
 * generation): call it from a worker thread.
 */
public final class NodeCredentialIssuer {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCredentialIssuer.class);

  /** Default validity of a node certificate. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

  private final JoinTokens tokens;
  private final CertificateAuthority authority;
  private final Duration validity;

  /** What a node receives: its client certificate and key, and the CA to trust. */
  public record NodeCredentials(String nodeName, String certificatePem, String privateKeyPem, String caPem) {
    @Override
    public String toString() {
      return "NodeCredentials[node=" + nodeName + "]";
    }
  }

  public NodeCredentialIssuer(JoinTokens tokens, CertificateAuthority authority, Duration validity) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.authority = Objects.requireNonNull(authority, "authority");
    this.validity = Objects.requireNonNull(validity, "validity");
  }

  /**
   * The credentials of node {@code nodeName}, or empty when {@code joinToken} is not valid.
   *
   * @throws IllegalArgumentException when {@code nodeName} is not a valid node name
   */
  public Optional<NodeCredentials> issue(String joinToken, String nodeName) throws IOException {
    if (nodeName == null || nodeName.length() > 253 || !io.jk.apiserver.resources.support.Names.isDns1123Subdomain(nodeName)) {
      throw new IllegalArgumentException("invalid node name \"" + nodeName
          + "\": must be a lowercase DNS-1123 subdomain of at most 253 characters");
    }
    Optional<String> tokenId = tokens.verify(joinToken);
    if (tokenId.isEmpty()) {
      LOG.warn("Refused node credentials: invalid join token node={}", nodeName);
      return Optional.empty();
    }
    IssuedCertificate cert = authority.issueClientCertificate(UserInfo.NODE_USER_PREFIX + nodeName,
        List.of(UserInfo.NODES), validity);
    LOG.info("Issued node credentials node={} tokenId={}", nodeName, tokenId.get());
    return Optional.of(new NodeCredentials(nodeName, cert.certificatePem(), cert.privateKeyPem(),
        authority.certificatePem()));
  }
}

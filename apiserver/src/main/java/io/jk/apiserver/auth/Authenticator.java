package io.jk.apiserver.auth;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Finds who sent a request from its credentials.
 *
 * <p>Implementations are in-memory and fast: they run on the event loop.
 */
public interface Authenticator {

  /**
   * The user these credentials identify.
   *
   * @param authorizationHeader the {@code Authorization} header, or null when absent
   * @param peerChain the TLS client certificate chain, leaf first; empty when none was sent
   * @return the user, or empty when this authenticator does not recognize the credentials
   */
  Optional<UserInfo> authenticate(String authorizationHeader, List<X509Certificate> peerChain);

  /**
   * The first user that any of {@code authenticators} recognizes, with {@code
   * system:authenticated} added (Kubernetes' union authenticator).
   */
  static Authenticator union(List<Authenticator> authenticators) {
    List<Authenticator> all = List.copyOf(authenticators);
    return (header, chain) -> {
      for (Authenticator authenticator : all) {
        Optional<UserInfo> user = authenticator.authenticate(header, chain);
        if (user.isPresent()) {
          return Optional.of(user.get().withGroup(UserInfo.AUTHENTICATED));
        }
      }
      return Optional.empty();
    };
  }

  /** The token of a {@code Bearer} authorization header, or null. */
  static String bearerToken(String authorizationHeader) {
    if (authorizationHeader == null) {
      return null;
    }
    String header = authorizationHeader.trim();
    if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}

package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.Authenticator;
import io.jk.apiserver.auth.UserInfo;
import io.jk.apiserver.rest.Objects;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates bearer tokens issued by the TokenRequest API ({@link ServiceAccountTokens}), as
 * kube-apiserver's service account authenticator: beside a valid signature, issuer, audience and
 * lifetime, the service account must still exist with the token's uid, and so must the pod or
 * secret the token is bound to (a deleted pod's token stops working; one whose pod has been
 * terminating for more than a minute too).
 *
 * <p>The user is {@code system:serviceaccount:<ns>:<name>} with the service account's uid, in the
 * groups {@code system:serviceaccounts} and {@code system:serviceaccounts:<ns>} (the union
 * authenticator adds {@code system:authenticated}). Until jk has RBAC such users are authorized
 * like every other authenticated user (everything but {@code nodes/proxy}).
 *
 * <p>Tokens that are not JWTs are left to the other authenticators; a JWT this authenticator
 * rejects is answered 401 by the union (no other authenticator recognizes it).
 */
public final class ServiceAccountAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountAuthenticator.class);
  /** Group of every service account. */
  public static final String ALL_GROUP = "system:serviceaccounts";
  /** A bound pod terminating for longer than this invalidates its tokens (Kubernetes' 60 s). */
  static final long DELETION_GRACE_SECONDS = 60;

  private final ServiceAccountTokens tokens;
  private final CachedObjects objects;
  private final Clock clock;

  /** An authenticator reading service accounts, pods and secrets from {@code objects}. */
  public ServiceAccountAuthenticator(ServiceAccountTokens tokens, CachedObjects objects) {
    this(tokens, objects, Clock.systemUTC());
  }

  ServiceAccountAuthenticator(ServiceAccountTokens tokens, CachedObjects objects, Clock clock) {
    this.tokens = tokens;
    this.objects = objects;
    this.clock = clock;
  }

  @Override
  public Optional<UserInfo> authenticate(String authorizationHeader, List<X509Certificate> peerChain) {
    String token = Authenticator.bearerToken(authorizationHeader);
    if (!ServiceAccountTokens.looksLikeJwt(token)) {
      return Optional.empty();
    }
    try {
      return Optional.of(userOf(tokens.verify(token, clock.instant())));
    } catch (ServiceAccountTokens.InvalidTokenException e) {
      LOG.debug("Service account token rejected reason=\"{}\"", e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The user of verified {@code claims} when the objects they name still exist.
   *
   * @throws ServiceAccountTokens.InvalidTokenException otherwise
   */
  UserInfo userOf(TokenClaims claims) {
    ObjectNode sa = objects.find("serviceaccounts", claims.namespace(), claims.serviceAccount());
    if (sa == null) {
      throw new ServiceAccountTokens.InvalidTokenException("service account " + claims.namespace() + "/"
          + claims.serviceAccount() + " has been deleted");
    }
    String saUid = Objects.metaText(sa, "uid");
    if (!claims.serviceAccountUid().isEmpty() && !saUid.equals(claims.serviceAccountUid())) {
      throw new ServiceAccountTokens.InvalidTokenException("service account uid (" + saUid
          + ") does not match claim (" + claims.serviceAccountUid() + ")");
    }
    TokenClaims.BoundObject bound = claims.bound();
    if (bound != null) {
      String resource = bound.kind().equals("Pod") ? "pods" : "secrets";
      ObjectNode obj = objects.find(resource, claims.namespace(), bound.name());
      if (obj == null) {
        throw new ServiceAccountTokens.InvalidTokenException(bound.kind().toLowerCase(java.util.Locale.ROOT) + " " + claims.namespace() + "/"
            + bound.name() + " has been deleted");
      }
      if (!Objects.metaText(obj, "uid").equals(bound.uid())) {
        throw new ServiceAccountTokens.InvalidTokenException(bound.kind().toLowerCase(java.util.Locale.ROOT) + " uid does not match claim");
      }
      String deleted = Objects.metaText(obj, "deletionTimestamp");
      if (!deleted.isEmpty() && epochSeconds(deleted) + DELETION_GRACE_SECONDS < clock.instant().getEpochSecond()) {
        throw new ServiceAccountTokens.InvalidTokenException(bound.kind().toLowerCase(java.util.Locale.ROOT) + " " + bound.name()
            + " is being deleted");
      }
    }
    return new UserInfo(claims.subject(), saUid, List.of(ALL_GROUP, ALL_GROUP + ":" + claims.namespace()));
  }

  private static long epochSeconds(String timestamp) {
    try {
      return Instant.parse(timestamp).getEpochSecond();
    } catch (java.time.format.DateTimeParseException e) {
      return 0; // unreadable: treat as long past
    }
  }
}

package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Signs and verifies service account tokens: JWTs (RS256) whose claims are {@link TokenClaims}.
 *
 * <p>A token is accepted by {@link #verify} when its signature is from one of the verification
 * keys, its issuer is ours, one of its audiences is one of the API server's ({@code
 * --api-audiences}, by default the issuer), and {@code nbf <= now < exp} (a minute of leeway on
 * {@code nbf} for clock skew, none on {@code exp}). Whether the service account and bound object
 * still exist is the authenticator's business ({@link ServiceAccountAuthenticator}).
 *
 * <p>Thread-safe; CPU-only (a verification is about 50 µs), so it may run on the event loop.
 */
public final class ServiceAccountTokens {

  /** kube-apiserver's usual issuer, and jk's default. */
  public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
  /** Clock skew allowed on {@code nbf}. */
  static final long NOT_BEFORE_LEEWAY_SECONDS = 60;

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SigningKey key;
  private final String issuer;
  private final List<String> apiAudiences;

  /**
   * @param key the signing and verification keys
   * @param issuer the {@code iss} of tokens signed ({@code --service-account-issuer})
   * @param apiAudiences the audiences the API server accepts ({@code --api-audiences}); empty: the issuer
   */
  public ServiceAccountTokens(SigningKey key, String issuer, List<String> apiAudiences) {
    this.key = Objects.requireNonNull(key, "key");
    this.issuer = issuer == null || issuer.isBlank() ? DEFAULT_ISSUER : issuer;
    this.apiAudiences = apiAudiences == null || apiAudiences.isEmpty() ? List.of(this.issuer) : List.copyOf(apiAudiences);
  }

  /** The issuer of signed tokens. */
  public String issuer() {
    return issuer;
  }

  /** The audiences the API server accepts, and gives tokens requested without audiences. */
  public List<String> apiAudiences() {
    return apiAudiences;
  }

  /** The compact JWT of {@code claims}, signed with RS256. */
  public String sign(TokenClaims claims) {
    ObjectNode header = Json.mapper().createObjectNode().put("alg", "RS256").put("kid", key.keyId());
    String signingInput = B64.encodeToString(bytes(header)) + "." + B64.encodeToString(bytes(claims.toJson()));
    try {
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(key.privateKey());
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64.encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a service account token: " + e.getMessage(), e);
    }
  }

  /** Whether {@code token} has the shape of a JWT (three base64url parts), so worth verifying. */
  public static boolean looksLikeJwt(String token) {
    if (token == null || token.length() > 16 * 1024) {
      return false;
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    return first > 0 && second > first + 1 && token.indexOf('.', second + 1) < 0 && second < token.length() - 1;
  }

  /**
   * The claims of {@code token} when it is a valid token of this issuer at {@code now}.
   *
   * @throws InvalidTokenException naming why it is not (bad signature, expired, wrong audience...)
   */
  public TokenClaims verify(String token, Instant now) {
    if (!looksLikeJwt(token)) {
      throw new InvalidTokenException("not a JWT");
    }
    String[] parts = token.split("\\.");
    JsonNode header = json(parts[0], "header");
    if (!"RS256".equals(header.path("alg").asText())) {
      throw new InvalidTokenException("unsupported signing algorithm " + header.path("alg").asText());
    }
    byte[] signature;
    try {
      signature = B64D.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("malformed signature");
    }
    byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (!signedByAny(input, signature)) {
      throw new InvalidTokenException("invalid signature");
    }
    TokenClaims claims;
    try {
      claims = TokenClaims.fromJson(json(parts[1], "claims"));
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(e.getMessage());
    }
    if (!claims.issuer().equals(issuer)) {
      throw new InvalidTokenException("token issuer " + claims.issuer() + " is not " + issuer);
    }
    long t = now.getEpochSecond();
    if (t >= claims.expiry()) {
      throw new InvalidTokenException("token has expired");
    }
    if (t + NOT_BEFORE_LEEWAY_SECONDS < claims.notBefore()) {
      throw new InvalidTokenException("token is not valid yet");
    }
    if (claims.audiences().stream().noneMatch(apiAudiences::contains)) {
      throw new InvalidTokenException("token audiences " + claims.audiences() + " is invalid for the target audiences "
          + apiAudiences);
    }
    return claims;
  }

  private boolean signedByAny(byte[] input, byte[] signature) {
    for (PublicKey pub : key.verificationKeys()) {
      if (!"RSA".equals(pub.getAlgorithm())) {
        continue;
      }
      try {
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(pub);
        verifier.update(input);
        if (verifier.verify(signature)) {
          return true;
        }
      } catch (GeneralSecurityException e) {
        // a malformed signature for this key: try the next
      }
    }
    return false;
  }

  private static JsonNode json(String part, String what) {
    try {
      JsonNode n = Json.mapper().readTree(B64D.decode(part));
      if (n == null || !n.isObject()) {
        throw new InvalidTokenException("malformed " + what);
      }
      return n;
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidTokenException("malformed " + what);
    }
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return Json.mapper().writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token that is not (or no longer) valid; the message says why. */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with reason {@code message}. */
    public InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }
}

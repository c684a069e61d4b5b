package io.jk.apiserver.auth;

import java.util.Objects;

/**
 * An authorizer's answer: allow, deny, or no opinion (let the next authorizer decide).
 *
 * @param kind the answer
 * @param reason why, for denials (appended to the 403 message); may be empty
 */
public record Decision(Kind kind, String reason) {

  /** The three possible answers. */
  public enum Kind { ALLOW, DENY, NO_OPINION }

  private static final Decision ALLOWED = new Decision(Kind.ALLOW, "");
  private static final Decision NO_OPINION = new Decision(Kind.NO_OPINION, "");

  /** Null reason becomes empty. */
  public Decision {
    Objects.requireNonNull(kind, "kind");
    reason = reason == null ? "" : reason;
  }

  /** Allowed. */
  public static Decision allow() {
    return ALLOWED;
  }

  /** Denied, because of {@code reason}. */
  public static Decision deny(String reason) {
    return new Decision(Kind.DENY, reason);
  }

  /** This authorizer does not decide. */
  public static Decision noOpinion() {
    return NO_OPINION;
  }

  /** Whether the request is allowed. */
  public boolean allowed() {
    return kind == Kind.ALLOW;
  }
}

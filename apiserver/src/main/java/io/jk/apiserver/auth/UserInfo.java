package io.jk.apiserver.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An authenticated user, as Kubernetes' {@code user.Info}.
 *
 * @param name the user name, e.g. {@code jk-admin} or {@code system:node:n1}
 * @param uid a unique id (may be empty)
 * @param groups the groups, e.g. {@code system:masters}, {@code system:authenticated}
 */
public record UserInfo(String name, String uid, List<String> groups) {

  /** Every authenticated user is in this group. */
  public static final String AUTHENTICATED = "system:authenticated";
  /** Requests without credentials are in this group (only for public paths). */
  public static final String UNAUTHENTICATED = "system:unauthenticated";
  /** Super users: allowed everything. */
  public static final String MASTERS = "system:masters";
  /** Kubelets; their user names are {@code system:node:<nodeName>}. */
  public static final String NODES = "system:nodes";
  /** Prefix of a kubelet's user name. */
  public static final String NODE_USER_PREFIX = "system:node:";
  /** The user of a request without credentials. */
  public static final String ANONYMOUS = "system:anonymous";

  /** The anonymous user, for public paths such as {@code /healthz}. */
  public static final UserInfo ANONYMOUS_USER = new UserInfo(ANONYMOUS, "", List.of(UNAUTHENTICATED));

  /** Immutable copy; a null uid becomes empty. */
  public UserInfo {
    Objects.requireNonNull(name, "name");
    uid = uid == null ? "" : uid;
    groups = List.copyOf(groups);
  }

  /** This user with {@code group} added (no duplicate). */
  public UserInfo withGroup(String group) {
    if (groups.contains(group)) {
      return this;
    }
    List<String> more = new ArrayList<>(groups);
    more.add(group);
    return new UserInfo(name, uid, more);
  }

  /** Whether the user is in {@code group}. */
  public boolean inGroup(String group) {
    return groups.contains(group);
  }
}

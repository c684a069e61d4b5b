package io.jk.apiserver.auth.rbac;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether one set of rules grants everything another does, as Kubernetes' escalation check
 * ({@code validation.Covers}): each rule to grant is split into single-verb, single-group,
 * single-resource (single-name) rules, and each piece must be allowed by one held rule. A
 * wildcard to grant is covered only by a wildcard held.
 */
public final class RuleCoverage {

  private RuleCoverage() {}

  /** The pieces of {@code wanted} that {@code held} does not cover; empty when all are covered. */
  public static List<PolicyRule> uncovered(List<PolicyRule> held, List<PolicyRule> wanted) {
    List<PolicyRule> missing = new ArrayList<>();
    for (PolicyRule w : wanted) {
      for (PolicyRule piece : split(w)) {
        if (held.stream().noneMatch(h -> covers(h, piece))) {
          missing.add(piece);
        }
      }
    }
    return missing;
  }

  private static List<PolicyRule> split(PolicyRule r) {
    List<PolicyRule> pieces = new ArrayList<>();
    for (String verb : r.verbs()) {
      for (String url : r.nonResourceUrls()) {
        pieces.add(PolicyRule.urls(List.of(verb), List.of(url)));
      }
      for (String group : r.apiGroups()) {
        for (String resource : r.resources()) {
          if (r.resourceNames().isEmpty()) {
            pieces.add(PolicyRule.resources(List.of(verb), List.of(group), List.of(resource)));
          } else {
            for (String name : r.resourceNames()) {
              pieces.add(new PolicyRule(List.of(verb), List.of(group), List.of(resource), List.of(name), List.of()));
            }
          }
        }
      }
    }
    return pieces;
  }

  /** Whether {@code held} allows the single piece {@code p}. */
  private static boolean covers(PolicyRule held, PolicyRule p) {
    if (!held.matchesVerb(p.verbs().get(0))) {
      return false;
    }
    if (!p.nonResourceUrls().isEmpty()) {
      return held.matchesUrl(p.nonResourceUrls().get(0));
    }
    if (!held.matchesGroup(p.apiGroups().get(0))) {
      return false;
    }
    String resource = p.resources().get(0);
    boolean resourceCovered = held.resources().contains("*") || held.resources().contains(resource);
    int slash = resource.indexOf('/');
    if (!resourceCovered && slash > 0) {
      resourceCovered = held.resources().contains("*" + resource.substring(slash));
    }
    if (!resourceCovered) {
      return false;
    }
    if (held.resourceNames().isEmpty()) {
      return true;
    }
    return !p.resourceNames().isEmpty() && held.resourceNames().contains(p.resourceNames().get(0));
  }
}

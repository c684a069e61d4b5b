package io.jk.apiserver.auth.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.apiserver.auth.RequestAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rule matching and escalation coverage, decided as Kubernetes' RBAC decides them. */
class PolicyRuleTest {

  private static PolicyRule rule(List<String> verbs, List<String> groups, List<String> resources) {
    return PolicyRule.resources(verbs, groups, resources);
  }

  private static PolicyRule named(List<String> verbs, List<String> resources, List<String> names) {
    return new PolicyRule(verbs, List.of(""), resources, names, List.of());
  }

  private static RequestAttributes req(String verb, String group, String resource, String sub, String name) {
    return RequestAttributes.resource(verb, group, resource, sub, "default", name);
  }

  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("a verb listed matches", rule(List.of("get", "list"), List.of(""), List.of("pods")),
            req("list", "", "pods", "", ""), true),
        Arguments.of("a verb not listed does not", rule(List.of("get"), List.of(""), List.of("pods")),
            req("delete", "", "pods", "", "p"), false),
        Arguments.of("another API group does not", rule(List.of("get"), List.of(""), List.of("deployments")),
            req("get", "apps", "deployments", "", "d"), false),
        Arguments.of("* matches every verb, group and resource", rule(List.of("*"), List.of("*"), List.of("*")),
            req("escalate", "rbac.authorization.k8s.io", "roles", "", "r"), true),
        Arguments.of("pods does not cover its log subresource", rule(List.of("get"), List.of(""), List.of("pods")),
            req("get", "", "pods", "log", "p"), false),
        Arguments.of("pods/log covers the log subresource", rule(List.of("get"), List.of(""), List.of("pods/log")),
            req("get", "", "pods", "log", "p"), true),
        Arguments.of("pods/log does not cover the pod", rule(List.of("get"), List.of(""), List.of("pods/log")),
            req("get", "", "pods", "", "p"), false),
        Arguments.of("*/scale covers any resource's scale", rule(List.of("update"), List.of("apps"), List.of("*/scale")),
            req("update", "apps", "deployments", "scale", "d"), true),
        Arguments.of("*/scale does not cover status", rule(List.of("update"), List.of("apps"), List.of("*/scale")),
            req("update", "apps", "deployments", "status", "d"), false),
        Arguments.of("resourceNames limit to the names", named(List.of("get"), List.of("secrets"), List.of("a")),
            req("get", "", "secrets", "", "b"), false),
        Arguments.of("resourceNames allow the name", named(List.of("get"), List.of("secrets"), List.of("a")),
            req("get", "", "secrets", "", "a"), true),
        Arguments.of("resourceNames never allow a list of everything",
            named(List.of("list"), List.of("secrets"), List.of("a")), req("list", "", "secrets", "", ""), false),
        Arguments.of("a URL rule matches its exact path", PolicyRule.urls(List.of("get"), List.of("/healthz")),
            RequestAttributes.nonResource("get", "/healthz"), true),
        Arguments.of("a URL rule does not match a longer path", PolicyRule.urls(List.of("get"), List.of("/healthz")),
            RequestAttributes.nonResource("get", "/healthz/etcd"), false),
        Arguments.of("a trailing * matches the paths below", PolicyRule.urls(List.of("get"), List.of("/apis/*")),
            RequestAttributes.nonResource("get", "/apis/apps/v1"), true),
        Arguments.of("a URL rule never matches a resource", PolicyRule.urls(List.of("*"), List.of("*")),
            req("get", "", "pods", "", "p"), false),
        Arguments.of("a resource rule never matches a path", rule(List.of("*"), List.of("*"), List.of("*")),
            RequestAttributes.nonResource("get", "/metrics"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matching")
  void ruleMatching(String name, PolicyRule rule, RequestAttributes request, boolean allowed) {
    assertEquals(allowed, rule.allows(request));
  }

  static Stream<Arguments> coverage() {
    return Stream.of(
        Arguments.of("the same rule is covered", List.of(rule(List.of("get"), List.of(""), List.of("pods"))),
            rule(List.of("get"), List.of(""), List.of("pods")), 0),
        Arguments.of("a verb not held is not", List.of(rule(List.of("get"), List.of(""), List.of("pods"))),
            rule(List.of("get", "delete"), List.of(""), List.of("pods")), 1),
        Arguments.of("wildcards held cover anything", List.of(rule(List.of("*"), List.of("*"), List.of("*"))),
            rule(List.of("get", "list"), List.of("", "apps"), List.of("secrets", "deployments")), 0),
        Arguments.of("a wildcard to grant needs a wildcard held",
            List.of(rule(List.of("get", "list", "watch"), List.of(""), List.of("pods"))),
            rule(List.of("*"), List.of(""), List.of("pods")), 1),
        Arguments.of("a name held does not cover all names",
            List.of(named(List.of("get"), List.of("secrets"), List.of("a"))),
            rule(List.of("get"), List.of(""), List.of("secrets")), 1),
        Arguments.of("all names held cover one name", List.of(rule(List.of("get"), List.of(""), List.of("secrets"))),
            named(List.of("get"), List.of("secrets"), List.of("a")), 0),
        Arguments.of("*/scale held covers deployments/scale",
            List.of(rule(List.of("get"), List.of("apps"), List.of("*/scale"))),
            rule(List.of("get"), List.of("apps"), List.of("deployments/scale")), 0),
        Arguments.of("URL prefixes held cover paths below", List.of(PolicyRule.urls(List.of("get"), List.of("/api/*"))),
            PolicyRule.urls(List.of("get"), List.of("/api/v1")), 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coverage")
  void escalationCoverage(String name, List<PolicyRule> held, PolicyRule wanted, int uncovered) {
    assertEquals(uncovered, RuleCoverage.uncovered(held, List.of(wanted)).size());
  }
}

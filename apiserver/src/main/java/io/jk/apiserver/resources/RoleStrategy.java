package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.util.List;

/**
 * rbac.authorization.k8s.io/v1 Role and ClusterRole: path-segment names ({@code system:node}) and
 * Kubernetes' policy rule checks (verbs required; resource rules need apiGroups and resources;
 * non-resource URLs only in cluster roles and never mixed with resources). Table: Name, Created
 * At. The rules are stored and served; jk's authorizer does not evaluate them (yet).
 */
public class RoleStrategy extends BaseStrategy {

  private final boolean clusterScoped;

  /** @param clusterScoped true for ClusterRole (non-resource URLs and aggregationRule allowed) */
  public RoleStrategy(boolean clusterScoped) {
    super(Names.Rule.PATH_SEGMENT, false, false);
    this.clusterScoped = clusterScoped;
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    List<ObjectNode> rules = Nodes.objects(obj, "rules");
    for (int i = 0; i < rules.size(); i++) {
      validateRule(rules.get(i), "rules[" + i + "]", errs);
    }
    if (!clusterScoped && obj.has("aggregationRule")) {
      errs.add(FieldError.forbidden("aggregationRule", "a Role cannot aggregate rules; use a ClusterRole"));
    }
  }

  private void validateRule(ObjectNode rule, String path, List<FieldError> errs) {
    if (Nodes.strings(rule, "verbs").isEmpty()) {
      errs.add(FieldError.required(path + ".verbs", "verbs must contain at least one value"));
    }
    List<String> urls = Nodes.strings(rule, "nonResourceURLs");
    List<String> groups = Nodes.strings(rule, "apiGroups");
    List<String> resources = Nodes.strings(rule, "resources");
    if (!urls.isEmpty()) {
      String shown = "[]string{" + String.join(", ", urls.stream().map(u -> "\"" + u + "\"").toList()) + "}";
      if (!clusterScoped) {
        errs.add(FieldError.invalid(path + ".nonResourceURLs", shown,
            "namespaced rules cannot apply to non-resource URLs"));
      }
      if (!groups.isEmpty() || !resources.isEmpty()) {
        errs.add(FieldError.invalid(path + ".nonResourceURLs", shown,
            "rules cannot apply to both regular resources and non-resource URLs"));
      }
      return;
    }
    if (groups.isEmpty() && !Nodes.has(rule, "apiGroups")) {
      errs.add(FieldError.required(path + ".apiGroups", "resource rules must supply at least one api group"));
    }
    if (resources.isEmpty()) {
      errs.add(FieldError.required(path + ".resources", "resource rules must supply at least one resource"));
    }
  }
}

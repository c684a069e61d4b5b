package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding: path-segment names (such as
 * {@code system:node}), roleRef rules (required, immutable) and the Table (ROLE, USERS, ...).
 */
public class RoleBindingStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the "
          + "global namespace."),
      Tables.AGE,
      Tables.wide("Users", "string", "Users in the roleBinding"),
      Tables.wide("Groups", "string", "Groups in the roleBinding"),
      Tables.wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"));

  private final boolean clusterScoped;

  /** @param clusterScoped true for ClusterRoleBinding (its roleRef must be a ClusterRole) */
  public RoleBindingStrategy(boolean clusterScoped) {
    super(Names.Rule.PATH_SEGMENT, false, false);
    this.clusterScoped = clusterScoped;
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode ref = Nodes.object(obj, "roleRef");
    if (ref == null) {
      errs.add(FieldError.required("roleRef", ""));
      return;
    }
    if (!Nodes.str(ref, "apiGroup").equals("rbac.authorization.k8s.io")) {
      errs.add(FieldError.notSupported("roleRef.apiGroup", Nodes.str(ref, "apiGroup"), List.of("rbac.authorization.k8s.io")));
    }
    List<String> kinds = clusterScoped ? List.of("ClusterRole") : List.of("Role", "ClusterRole");
    if (!kinds.contains(Nodes.str(ref, "kind"))) {
      errs.add(FieldError.notSupported("roleRef.kind", Nodes.str(ref, "kind"), kinds));
    }
    String name = Nodes.str(ref, "name");
    if (name.isEmpty()) {
      errs.add(FieldError.required("roleRef.name", ""));
    } else {
      for (String msg : Names.pathSegment(name)) {
        errs.add(FieldError.invalid("roleRef.name", name, msg));
      }
    }
    List<ObjectNode> subjects = Nodes.objects(obj, "subjects");
    for (int i = 0; i < subjects.size(); i++) {
      String p = "subjects[" + i + "]";
      String kind = Nodes.str(subjects.get(i), "kind");
      if (!List.of("ServiceAccount", "User", "Group").contains(kind)) {
        errs.add(FieldError.notSupported(p + ".kind", kind, List.of("ServiceAccount", "User", "Group")));
      }
      if (Nodes.str(subjects.get(i), "name").isEmpty()) {
        errs.add(FieldError.required(p + ".name", ""));
      }
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    if (!Nodes.same(obj.get("roleRef"), old.get("roleRef"))) {
      errs.add(FieldError.invalid("roleRef", new Selectors.Raw(String.valueOf(obj.get("roleRef"))),
          "cannot change roleRef"));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode ref = Nodes.object(obj, "roleRef");
    List<String> users = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    List<String> sas = new ArrayList<>();
    for (ObjectNode s : Nodes.objects(obj, "subjects")) {
      switch (Nodes.str(s, "kind")) {
        case "User" -> users.add(Nodes.str(s, "name"));
        case "Group" -> groups.add(Nodes.str(s, "name"));
        case "ServiceAccount" -> sas.add(Nodes.str(s, "namespace") + "/" + Nodes.str(s, "name"));
        default -> { }
      }
    }
    return List.of(Nodes.name(obj), Nodes.str(ref, "kind") + "/" + Nodes.str(ref, "name"), Tables.age(obj, now),
        String.join(", ", users), String.join(", ", groups), String.join(", ", sas));
  }
}

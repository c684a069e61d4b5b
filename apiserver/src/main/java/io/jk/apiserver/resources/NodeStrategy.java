package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import io.jk.apiserver.resources.support.Quantity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * core/v1 Node: allocatable defaults to capacity, taint and podCIDR validation, the
 * {@code spec.unschedulable} field selector, Table with {@code Ready,SchedulingDisabled} and ROLES.
 */
public class NodeStrategy extends BaseStrategy {

  private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
  private static final String ROLE_PREFIX = "node-role.kubernetes.io/";

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Status", "string", "The status of the node"),
      Tables.col("Roles", "string", "The roles of the node"),
      Tables.AGE,
      Tables.col("Version", "string", "Kubelet Version reported by the node."),
      Tables.wide("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if "
          + "available."),
      Tables.wide("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if "
          + "available."),
      Tables.wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
          + "(wheezy))."),
      Tables.wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. "
          + "3.16.0-0.bpo.4-amd64)."),
      Tables.wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote "
          + "API (e.g. containerd://1.4.2)."));

  /** A node strategy. */
  public NodeStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, false);
  }

  @Override
  protected boolean clearsStatusOnCreate() {
    // The kubelet registers its node with capacity, addresses and conditions in one create.
    return false;
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode status = Nodes.object(obj, "status");
    ObjectNode capacity = Nodes.object(status, "capacity");
    if (capacity != null && !Nodes.has(status, "allocatable")) {
      status.set("allocatable", capacity.deepCopy());
    }
    ObjectNode spec = Nodes.object(obj, "spec");
    String cidr = Nodes.text(spec, "podCIDR");
    if (cidr != null && !cidr.isEmpty() && Nodes.size(spec, "podCIDRs") == 0) {
      spec.putArray("podCIDRs").add(cidr);
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    List<ObjectNode> taints = Nodes.objects(spec, "taints");
    for (int i = 0; i < taints.size(); i++) {
      String p = "spec.taints[" + i + "]";
      ObjectNode t = taints.get(i);
      String key = Nodes.str(t, "key");
      if (key.isEmpty()) {
        errs.add(FieldError.required(p + ".key", ""));
      } else {
        for (String msg : Names.qualifiedName(key)) {
          errs.add(FieldError.invalid(p + ".key", key, msg));
        }
      }
      String value = Nodes.str(t, "value");
      for (String msg : Names.labelValue(value)) {
        errs.add(FieldError.invalid(p + ".value", value, msg));
      }
      String effect = Nodes.str(t, "effect");
      if (effect.isEmpty()) {
        errs.add(FieldError.required(p + ".effect", ""));
      } else if (!TAINT_EFFECTS.contains(effect)) {
        errs.add(FieldError.notSupported(p + ".effect", effect, TAINT_EFFECTS));
      }
    }
    ObjectNode status = Nodes.object(obj, "status");
    for (String f : List.of("capacity", "allocatable")) {
      ObjectNode m = Nodes.object(status, f);
      if (m == null) {
        continue;
      }
      m.fields().forEachRemaining(e -> {
        if (Quantity.parse(e.getValue()).isEmpty()) {
          errs.add(FieldError.invalid("status." + f + "[" + e.getKey() + "]", e.getValue().asText(), Quantity.FORMAT_ERROR));
        }
      });
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    List<String> was = Nodes.strings(Nodes.object(old, "spec"), "podCIDRs");
    List<String> now = Nodes.strings(Nodes.object(obj, "spec"), "podCIDRs");
    if (!was.isEmpty() && !was.equals(now)) {
      errs.add(FieldError.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
    }
    String providerId = Nodes.str(Nodes.object(old, "spec"), "providerID");
    if (!providerId.isEmpty() && !providerId.equals(Nodes.str(Nodes.object(obj, "spec"), "providerID"))) {
      errs.add(FieldError.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
    }
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    fields.put("spec.unschedulable", Boolean.toString(Nodes.isTrue(Nodes.object(obj, "spec"), "unschedulable")));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode status = Nodes.object(obj, "status");
    List<String> st = new ArrayList<>();
    for (ObjectNode c : Nodes.objects(status, "conditions")) {
      if (Nodes.str(c, "type").equals("Ready")) {
        st.clear();
        st.add(Nodes.str(c, "status").equals("True") ? "Ready" : "NotReady");
      }
    }
    if (st.isEmpty()) {
      st.add("Unknown");
    }
    if (Nodes.isTrue(Nodes.object(obj, "spec"), "unschedulable")) {
      st.add("SchedulingDisabled");
    }
    ObjectNode info = Nodes.object(status, "nodeInfo");
    return List.of(Nodes.name(obj), String.join(",", st), roles(obj), Tables.age(obj, now),
        Nodes.str(info, "kubeletVersion"), address(status, "InternalIP"), address(status, "ExternalIP"),
        unknownIfEmpty(Nodes.str(info, "osImage")), unknownIfEmpty(Nodes.str(info, "kernelVersion")),
        unknownIfEmpty(Nodes.str(info, "containerRuntimeVersion")));
  }

  /** ROLES as kubectl finds them: {@code node-role.kubernetes.io/<role>} and {@code kubernetes.io/role} labels. */
  static String roles(ObjectNode obj) {
    TreeSet<String> roles = new TreeSet<>();
    for (Map.Entry<String, String> e : Nodes.stringMap(Nodes.object(obj, "metadata"), "labels").entrySet()) {
      if (e.getKey().startsWith(ROLE_PREFIX)) {
        String role = e.getKey().substring(ROLE_PREFIX.length());
        if (!role.isEmpty()) {
          roles.add(role);
        }
      } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().isEmpty()) {
        roles.add(e.getValue());
      }
    }
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String address(ObjectNode status, String type) {
    for (ObjectNode a : Nodes.objects(status, "addresses")) {
      if (Nodes.str(a, "type").equals(type)) {
        return Nodes.str(a, "address");
      }
    }
    return "<none>";
  }

  private static String unknownIfEmpty(String s) {
    return s.isEmpty() ? "<unknown>" : s;
  }
}

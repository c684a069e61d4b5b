package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jkctl describe}: kubectl's layout ({@code Name:}, {@code Namespace:}, {@code Labels:}, ...,
 * {@code Events:}) with the fields that matter per kind for pods, deployments, replica sets,
 * nodes and services, and a generic field dump for other kinds.
 */
@Command(name = "describe", description = "Show details of a specific resource or group of resources.")
final class DescribeCommand extends Base {

  @Parameters(arity = "1..*", paramLabel = "TYPE [NAME...] | TYPE/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = {"-l", "--selector"}, description = "Label selector.")
  String selector;

  @Option(names = {"-A", "--all-namespaces"}, description = "Across all namespaces.")
  boolean allNamespaces;

  private StringBuilder b;

  @Override
  void run() {
    List<JsonNode> objects = new ArrayList<>();
    List<ResourceInfo> types = new ArrayList<>();
    for (Targets.Target t : Targets.parse(args, session().discovery())) {
      String ns = t.type().namespaced() && !allNamespaces ? session().namespace() : null;
      if (t.names().isEmpty()) {
        String q = selector == null ? "" : "?labelSelector=" + Paths.query(selector);
        for (JsonNode i : api().get(t.type().collectionPath(ns) + q).path("items")) {
          objects.add(i);
          types.add(t.type());
        }
      } else {
        for (String n : t.names()) {
          objects.add(api().get(t.type().objectPath(ns, n)));
          types.add(t.type());
        }
      }
    }
    if (objects.isEmpty()) {
      err().println("No resources found in " + session().namespace() + " namespace.");
      return;
    }
    for (int i = 0; i < objects.size(); i++) {
      if (i > 0) {
        out().println();
        out().println();
      }
      b = new StringBuilder();
      describe(objects.get(i), types.get(i));
      out().print(b);
    }
  }

  private void describe(JsonNode o, ResourceInfo type) {
    JsonNode meta = o.path("metadata");
    line(0, "Name", meta.path("name").asText());
    if (type.namespaced()) {
      line(0, "Namespace", meta.path("namespace").asText());
    }
    switch (type.kind()) {
      case "Pod" -> pod(o);
      case "Deployment" -> deployment(o);
      case "ReplicaSet" -> replicaSet(o);
      case "Node" -> node(o);
      case "Service" -> service(o);
      default -> {
        map(0, "Labels", meta.path("labels"));
        map(0, "Annotations", meta.path("annotations"));
        generic(o);
      }
    }
    events(o, type);
  }

  private void pod(JsonNode o) {
    JsonNode meta = o.path("metadata");
    JsonNode spec = o.path("spec");
    JsonNode st = o.path("status");
    line(0, "Priority", spec.path("priority").asText("0"));
    line(0, "Service Account", spec.path("serviceAccountName").asText("default"));
    String node = spec.path("nodeName").asText("");
    String hostIp = st.path("hostIP").asText("");
    line(0, "Node", node.isEmpty() ? "<none>" : node + (hostIp.isEmpty() ? "" : "/" + hostIp));
    line(0, "Start Time", st.path("startTime").asText("<unset>"));
    map(0, "Labels", meta.path("labels"));
    map(0, "Annotations", meta.path("annotations"));
    line(0, "Status", meta.has("deletionTimestamp") ? "Terminating" : st.path("phase").asText("Pending"));
    line(0, "IP", st.path("podIP").asText(""));
    String controller = controllerOf(meta);
    line(0, "Controlled By", controller);
    b.append("Containers:\n");
    for (JsonNode c : spec.path("containers")) {
      JsonNode cs = null;
      for (JsonNode s : st.path("containerStatuses")) {
        if (s.path("name").asText().equals(c.path("name").asText())) {
          cs = s;
        }
      }
      b.append("  ").append(c.path("name").asText()).append(":\n");
      line(2, "Container ID", cs == null ? "" : cs.path("containerID").asText(""));
      line(2, "Image", c.path("image").asText());
      if (c.has("command")) {
        list(2, "Command", c.path("command"));
      }
      if (c.has("args")) {
        list(2, "Args", c.path("args"));
      }
      if (cs != null && cs.path("state").fields().hasNext()) {
        Map.Entry<String, JsonNode> s = cs.path("state").fields().next();
        line(2, "State", Character.toUpperCase(s.getKey().charAt(0)) + s.getKey().substring(1));
        if (s.getValue().has("reason")) {
          line(3, "Reason", s.getValue().path("reason").asText());
        }
        if (s.getValue().has("exitCode")) {
          line(3, "Exit Code", s.getValue().path("exitCode").asText());
        }
        if (s.getValue().has("startedAt")) {
          line(3, "Started", s.getValue().path("startedAt").asText());
        }
      } else {
        line(2, "State", "Waiting");
      }
      line(2, "Ready", cs == null ? "False" : cs.path("ready").asBoolean() ? "True" : "False");
      line(2, "Restart Count", cs == null ? "0" : cs.path("restartCount").asText("0"));
      if (c.path("resources").has("limits")) {
        resources(2, "Limits", c.path("resources").path("limits"));
      }
      if (c.path("resources").has("requests")) {
        resources(2, "Requests", c.path("resources").path("requests"));
      }
      env(c);
    }
    conditions(st.path("conditions"));
    volumes(spec.path("volumes"));
    line(0, "QoS Class", st.path("qosClass").asText("BestEffort"));
    map(0, "Node-Selectors", spec.path("nodeSelector"));
    List<String> tol = new ArrayList<>();
    for (JsonNode t : spec.path("tolerations")) {
      String s = t.path("key").asText("") + (t.has("value") ? "=" + t.path("value").asText() : "")
          + (t.has("effect") ? ":" + t.path("effect").asText() : "");
      if (t.has("tolerationSeconds")) {
        s += " for " + t.path("tolerationSeconds").asText() + "s";
      }
      tol.add(s.isEmpty() ? "op=Exists" : s);
    }
    multi(0, "Tolerations", tol);
  }

  private void deployment(JsonNode o) {
    JsonNode meta = o.path("metadata");
    JsonNode spec = o.path("spec");
    JsonNode st = o.path("status");
    line(0, "CreationTimestamp", meta.path("creationTimestamp").asText());
    map(0, "Labels", meta.path("labels"));
    map(0, "Annotations", meta.path("annotations"));
    line(0, "Selector", selector(spec.path("selector")));
    long want = spec.has("replicas") ? spec.path("replicas").asLong() : 1;
    line(0, "Replicas", want + " desired | " + st.path("updatedReplicas").asLong() + " updated | "
        + st.path("replicas").asLong() + " total | " + st.path("availableReplicas").asLong() + " available | "
        + st.path("unavailableReplicas").asLong() + " unavailable");
    String strategy = spec.path("strategy").path("type").asText("RollingUpdate");
    line(0, "StrategyType", strategy);
    line(0, "MinReadySeconds", spec.path("minReadySeconds").asText("0"));
    if (strategy.equals("RollingUpdate")) {
      JsonNode ru = spec.path("strategy").path("rollingUpdate");
      line(0, "RollingUpdateStrategy", ru.path("maxUnavailable").asText("25%") + " max unavailable, "
          + ru.path("maxSurge").asText("25%") + " max surge");
    }
    template(spec.path("template"));
    conditions(st.path("conditions"));
  }

  private void replicaSet(JsonNode o) {
    JsonNode meta = o.path("metadata");
    JsonNode spec = o.path("spec");
    JsonNode st = o.path("status");
    line(0, "Selector", selector(spec.path("selector")));
    map(0, "Labels", meta.path("labels"));
    map(0, "Annotations", meta.path("annotations"));
    line(0, "Controlled By", controllerOf(meta));
    line(0, "Replicas", st.path("replicas").asLong() + " current / " + spec.path("replicas").asLong(1) + " desired");
    line(0, "Pods Status", st.path("readyReplicas").asLong() + " Running / 0 Waiting / 0 Succeeded / 0 Failed");
    template(spec.path("template"));
  }

  private void node(JsonNode o) {
    JsonNode meta = o.path("metadata");
    JsonNode spec = o.path("spec");
    JsonNode st = o.path("status");
    String roles = "<none>";
    List<String> r = new ArrayList<>();
    meta.path("labels").fieldNames().forEachRemaining(k -> {
      if (k.startsWith("node-role.kubernetes.io/")) {
        r.add(k.substring("node-role.kubernetes.io/".length()));
      }
    });
    line(0, "Roles", r.isEmpty() ? roles : String.join(",", r));
    map(0, "Labels", meta.path("labels"));
    map(0, "Annotations", meta.path("annotations"));
    line(0, "CreationTimestamp", meta.path("creationTimestamp").asText());
    List<String> taints = new ArrayList<>();
    for (JsonNode t : spec.path("taints")) {
      taints.add(t.path("key").asText() + (t.has("value") ? "=" + t.path("value").asText() : "") + ":"
          + t.path("effect").asText());
    }
    multi(0, "Taints", taints);
    line(0, "Unschedulable", String.valueOf(spec.path("unschedulable").asBoolean(false)));
    conditions(st.path("conditions"));
    b.append("Addresses:\n");
    for (JsonNode a : st.path("addresses")) {
      line(1, a.path("type").asText(), a.path("address").asText());
    }
    resources(0, "Capacity", st.path("capacity"));
    resources(0, "Allocatable", st.path("allocatable"));
    b.append("System Info:\n");
    st.path("nodeInfo").fields().forEachRemaining(e -> line(1, e.getKey(), e.getValue().asText()));
    line(0, "PodCIDR", spec.path("podCIDR").asText(""));
  }

  private void service(JsonNode o) {
    JsonNode meta = o.path("metadata");
    JsonNode spec = o.path("spec");
    map(0, "Labels", meta.path("labels"));
    map(0, "Annotations", meta.path("annotations"));
    map(0, "Selector", spec.path("selector"));
    line(0, "Type", spec.path("type").asText("ClusterIP"));
    line(0, "IP Family Policy", spec.path("ipFamilyPolicy").asText("SingleStack"));
    List<String> fams = new ArrayList<>();
    spec.path("ipFamilies").forEach(f -> fams.add(f.asText()));
    line(0, "IP Families", fams.isEmpty() ? "IPv4" : String.join(",", fams));
    line(0, "IP", spec.path("clusterIP").asText("None"));
    List<String> ips = new ArrayList<>();
    spec.path("clusterIPs").forEach(f -> ips.add(f.asText()));
    line(0, "IPs", String.join(",", ips));
    for (JsonNode p : spec.path("ports")) {
      String name = p.path("name").asText("<unset>");
      line(0, "Port", name + "  " + p.path("port").asText() + "/" + p.path("protocol").asText("TCP"));
      line(0, "TargetPort", p.path("targetPort").asText(p.path("port").asText()) + "/" + p.path("protocol").asText("TCP"));
      if (p.has("nodePort")) {
        line(0, "NodePort", name + "  " + p.path("nodePort").asText() + "/" + p.path("protocol").asText("TCP"));
      }
      line(0, "Endpoints", endpoints(meta));
    }
    line(0, "Session Affinity", spec.path("sessionAffinity").asText("None"));
  }

  private String endpoints(JsonNode meta) {
    ApiClient.Response r = api().send("GET", "/api/v1/namespaces/" + Paths.segment(meta.path("namespace").asText())
        + "/endpoints/" + Paths.segment(meta.path("name").asText()), null, null, "application/json");
    if (r.status() != 200) {
      return "<none>";
    }
    List<String> eps = new ArrayList<>();
    for (JsonNode s : r.json().path("subsets")) {
      for (JsonNode a : s.path("addresses")) {
        for (JsonNode p : s.path("ports")) {
          eps.add(a.path("ip").asText() + ":" + p.path("port").asText());
        }
      }
    }
    return eps.isEmpty() ? "<none>" : String.join(",", eps);
  }

  private void template(JsonNode t) {
    b.append("Pod Template:\n");
    map(1, "Labels", t.path("metadata").path("labels"));
    if (t.path("metadata").has("annotations")) {
      map(1, "Annotations", t.path("metadata").path("annotations"));
    }
    b.append("  Containers:\n");
    for (JsonNode c : t.path("spec").path("containers")) {
      b.append("   ").append(c.path("name").asText()).append(":\n");
      line(2, "Image", c.path("image").asText());
      List<String> ports = new ArrayList<>();
      for (JsonNode p : c.path("ports")) {
        ports.add(p.path("containerPort").asText() + "/" + p.path("protocol").asText("TCP"));
      }
      line(2, "Port", ports.isEmpty() ? "<none>" : String.join(", ", ports));
      if (c.has("command")) {
        list(2, "Command", c.path("command"));
      }
      env(c);
    }
    volumes(t.path("spec").path("volumes"));
  }

  private void env(JsonNode c) {
    if (!c.has("env")) {
      line(2, "Environment", "<none>");
      return;
    }
    b.append("    Environment:\n");
    for (JsonNode e : c.path("env")) {
      line(3, e.path("name").asText(), e.has("value") ? e.path("value").asText() : "<set from a reference>");
    }
  }

  private void volumes(JsonNode vols) {
    if (vols.isEmpty()) {
      line(0, "Volumes", "<none>");
      return;
    }
    b.append("Volumes:\n");
    for (JsonNode v : vols) {
      b.append("  ").append(v.path("name").asText()).append(":\n");
      v.fieldNames().forEachRemaining(k -> {
        if (!k.equals("name")) {
          line(2, "Type", k);
        }
      });
    }
  }

  private void conditions(JsonNode conds) {
    if (conds.isEmpty()) {
      return;
    }
    b.append("Conditions:\n");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("Type", "Status", "Reason"));
    rows.add(List.of("----", "------", "------"));
    for (JsonNode c : conds) {
      rows.add(List.of(c.path("type").asText(), c.path("status").asText(), c.path("reason").asText("")));
    }
    indentTable(rows);
  }

  private void events(JsonNode o, ResourceInfo type) {
    JsonNode meta = o.path("metadata");
    String fs = "involvedObject.name=" + meta.path("name").asText() + ",involvedObject.uid=" + meta.path("uid").asText();
    String ns = meta.path("namespace").asText("");
    String path = ns.isEmpty() ? "/api/v1/events" : "/api/v1/namespaces/" + Paths.segment(ns) + "/events";
    ApiClient.Response r = api().send("GET", path + "?fieldSelector=" + Paths.query(fs), null, null, "application/json");
    List<JsonNode> evs = new ArrayList<>();
    if (r.status() == 200) {
      for (JsonNode e : r.json().path("items")) {
        // filter here too, in case the server ignores a field it does not index
        if (e.path("involvedObject").path("uid").asText().equals(meta.path("uid").asText())) {
          evs.add(e);
        }
      }
    }
    if (evs.isEmpty()) {
      b.append("Events:  <none>\n");
      return;
    }
    evs.sort(java.util.Comparator.comparing(e -> e.path("lastTimestamp").asText(e.path("eventTime").asText(""))));
    b.append("Events:\n");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("Type", "Reason", "Age", "From", "Message"));
    rows.add(List.of("----", "------", "----", "----", "-------"));
    for (JsonNode e : evs) {
      String from = e.path("source").path("component").asText(e.path("reportingComponent").asText(""));
      String when = e.path("lastTimestamp").asText(e.path("eventTime").asText(""));
      String age = age(when);
      long count = e.path("count").asLong(1);
      if (count > 1) {
        age = age + " (x" + count + " over " + age(e.path("firstTimestamp").asText(when)) + ")";
      }
      rows.add(List.of(e.path("type").asText(), e.path("reason").asText(), age, from,
          e.path("message").asText().strip()));
    }
    indentTable(rows);
  }

  static String age(String timestamp) {
    try {
      Duration d = Duration.between(Instant.parse(timestamp), Instant.now());
      long s = Math.max(0, d.getSeconds());
      if (s < 120) {
        return s + "s";
      }
      if (s < 3600) {
        return s / 60 + "m" + (s < 600 && s % 60 != 0 ? s % 60 + "s" : "");
      }
      if (s < 48 * 3600) {
        return s / 3600 + "h" + (s < 8 * 3600 && s % 3600 / 60 != 0 ? s % 3600 / 60 + "m" : "");
      }
      return s / 86400 + "d";
    } catch (RuntimeException e) {
      return "<unknown>";
    }
  }

  private void indentTable(List<List<String>> rows) {
    int[] w = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size() - 1; i++) {
        w[i] = Math.max(w[i], r.get(i).length() + 2);
      }
    }
    for (List<String> r : rows) {
      StringBuilder l = new StringBuilder("  ");
      for (int i = 0; i < r.size(); i++) {
        l.append(r.get(i));
        if (i < r.size() - 1) {
          l.append(" ".repeat(w[i] - r.get(i).length()));
        }
      }
      b.append(l.toString().stripTrailing()).append('\n');
    }
  }

  private void generic(JsonNode o) {
    o.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("metadata") && !e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) {
        dump(0, e.getKey(), e.getValue());
      }
    });
  }

  private void dump(int level, String key, JsonNode v) {
    String k = Character.toUpperCase(key.charAt(0)) + key.substring(1);
    if (v.isObject()) {
      b.append("  ".repeat(level)).append(k).append(":\n");
      v.fields().forEachRemaining(e -> dump(level + 1, e.getKey(), e.getValue()));
    } else if (v.isArray()) {
      b.append("  ".repeat(level)).append(k).append(":\n");
      for (JsonNode i : v) {
        if (i.isObject()) {
          i.fields().forEachRemaining(e -> dump(level + 1, e.getKey(), e.getValue()));
        } else {
          b.append("  ".repeat(level + 1)).append(i.asText()).append('\n');
        }
      }
    } else {
      line(level, k, v.asText());
    }
  }

  private String controllerOf(JsonNode meta) {
    for (JsonNode o : meta.path("ownerReferences")) {
      if (o.path("controller").asBoolean(false)) {
        return o.path("kind").asText() + "/" + o.path("name").asText();
      }
    }
    return "<none>";
  }

  private static String selector(JsonNode sel) {
    List<String> parts = new ArrayList<>();
    new TreeMap<String, String>() {
      {
        sel.path("matchLabels").fields().forEachRemaining(e -> put(e.getKey(), e.getValue().asText()));
      }
    }.forEach((k, v) -> parts.add(k + "=" + v));
    for (JsonNode e : sel.path("matchExpressions")) {
      List<String> vals = new ArrayList<>();
      e.path("values").forEach(x -> vals.add(x.asText()));
      parts.add(e.path("key").asText() + " " + e.path("operator").asText().toLowerCase(java.util.Locale.ROOT) + " (" + String.join(",", vals) + ")");
    }
    return parts.isEmpty() ? "<none>" : String.join(",", parts);
  }

  // kubectl aligns values of one level at column 16 (tabwriter); keys longer than that get one space
  private void line(int level, String key, String value) {
    String k = "  ".repeat(level) + key + ":";
    int width = level == 0 ? 16 : 18 + 2 * (level - 1);
    b.append(k).append(" ".repeat(Math.max(1, width - k.length()))).append(value == null ? "" : value)
        .append('\n');
    int i = b.length() - 1;
    while (i > 0 && b.charAt(i - 1) == ' ') {
      b.deleteCharAt(--i);
    }
  }

  private void map(int level, String key, JsonNode m) {
    Map<String, String> sorted = new TreeMap<>();
    m.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
    List<String> l = new ArrayList<>();
    sorted.forEach((k, v) -> l.add(key.equals("Annotations") ? k + ": " + v : k + "=" + v));
    multi(level, key, l);
  }

  private void multi(int level, String key, List<String> values) {
    if (values.isEmpty()) {
      line(level, key, "<none>");
      return;
    }
    line(level, key, values.get(0));
    String pad = " ".repeat(level == 0 ? 16 : 18 + 2 * (level - 1));
    for (int i = 1; i < values.size(); i++) {
      b.append(pad).append(values.get(i)).append('\n');
    }
  }

  private void list(int level, String key, JsonNode arr) {
    b.append("  ".repeat(level)).append(key).append(":\n");
    arr.forEach(x -> b.append("  ".repeat(level + 1)).append(x.asText()).append('\n'));
  }

  private void resources(int level, String key, JsonNode m) {
    b.append("  ".repeat(level)).append(key).append(":\n");
    m.fields().forEachRemaining(e -> line(level + 1, e.getKey(), e.getValue().asText()));
  }
}

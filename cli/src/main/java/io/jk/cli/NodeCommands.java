package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl cordon}, {@code uncordon} and {@code drain}. */
final class NodeCommands {

  private NodeCommands() {}

  static String nodePath(String name) {
    return "/api/v1/nodes/" + Paths.segment(name);
  }

  /** Sets {@code spec.unschedulable}; prints as kubectl does. */
  static void setUnschedulable(Base cmd, String node, boolean value) {
    JsonNode live = cmd.api().get(nodePath(node));
    boolean now = live.path("spec").path("unschedulable").asBoolean(false);
    String word = value ? "cordoned" : "uncordoned";
    if (now == value) {
      cmd.out().println("node/" + node + " already " + word);
      return;
    }
    cmd.mergePatch(nodePath(node), Map.of("spec", Map.of("unschedulable", value)));
    cmd.out().println("node/" + node + " " + word);
  }

  /** {@code jkctl cordon NODE}. */
  @Command(name = "cordon", description = "Mark node as unschedulable.")
  static final class Cordon extends Base {
    @Parameters(arity = "1..*", paramLabel = "NODE")
    List<String> nodes;

    @Override
    void run() {
      nodes.forEach(n -> setUnschedulable(this, n, true));
    }
  }

  /** {@code jkctl uncordon NODE}. */
  @Command(name = "uncordon", description = "Mark node as schedulable.")
  static final class Uncordon extends Base {
    @Parameters(arity = "1..*", paramLabel = "NODE")
    List<String> nodes;

    @Override
    void run() {
      nodes.forEach(n -> setUnschedulable(this, n, false));
    }
  }

  /**
   * {@code jkctl drain NODE}: cordons the node, then evicts its pods through the eviction API
   * (retrying while a disruption budget forbids it) and waits until they are gone.
   */
  @Command(name = "drain", description = "Drain node in preparation for maintenance.")
  static final class Drain extends Base {
    @Parameters(arity = "1", paramLabel = "NODE")
    String node;

    @Option(names = "--ignore-daemonsets", description = "Ignore DaemonSet-managed pods.")
    boolean ignoreDaemonsets;

    @Option(names = "--delete-emptydir-data", description = "Continue even if pods use emptyDir (its data is lost).")
    boolean deleteEmptyDir;

    @Option(names = "--force", description = "Continue even if pods have no controller.")
    boolean force;

    @Option(names = "--grace-period", description = "Seconds each pod gets to terminate (-1: its own).")
    int gracePeriod = -1;

    @Option(names = "--timeout", description = "How long to wait before giving up (0: forever).")
    String timeout = "0s";

    @Option(names = "--disable-eviction", description = "Delete pods instead of evicting them.")
    boolean disableEviction;

    @Override
    void run() throws Exception {
      setUnschedulable(this, node, true);
      out().flush();
      JsonNode pods = api().get("/api/v1/pods?fieldSelector=" + Paths.query("spec.nodeName=" + node));
      List<JsonNode> evict = new ArrayList<>();
      List<String> daemonSet = new ArrayList<>();
      List<String> unmanaged = new ArrayList<>();
      List<String> emptyDir = new ArrayList<>();
      for (JsonNode p : pods.path("items")) {
        String key = p.path("metadata").path("namespace").asText() + "/" + p.path("metadata").path("name").asText();
        if (p.path("metadata").path("annotations").has("kubernetes.io/config.mirror")) {
          continue;
        }
        String phase = p.path("status").path("phase").asText();
        boolean finished = phase.equals("Succeeded") || phase.equals("Failed");
        JsonNode controller = null;
        for (JsonNode o : p.path("metadata").path("ownerReferences")) {
          if (o.path("controller").asBoolean(false)) {
            controller = o;
          }
        }
        if (controller != null && controller.path("kind").asText().equals("DaemonSet") && !finished) {
          daemonSet.add(key);
          continue;
        }
        if (controller == null && !finished) {
          unmanaged.add(key);
        }
        boolean usesEmptyDir = false;
        for (JsonNode v : p.path("spec").path("volumes")) {
          usesEmptyDir |= v.has("emptyDir");
        }
        if (usesEmptyDir && !finished) {
          emptyDir.add(key);
        }
        evict.add(p);
      }
      List<String> problems = new ArrayList<>();
      if (!unmanaged.isEmpty() && !force) {
        problems.add("cannot delete Pods that declare no controller (use --force to override): "
            + String.join(", ", unmanaged));
      }
      if (!daemonSet.isEmpty() && !ignoreDaemonsets) {
        problems.add("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
            + String.join(", ", daemonSet));
      }
      if (!emptyDir.isEmpty() && !deleteEmptyDir) {
        problems.add("cannot delete Pods with local storage (use --delete-emptydir-data to override): "
            + String.join(", ", emptyDir));
      }
      if (!problems.isEmpty()) {
        err().println("error: unable to drain node \"" + node + "\" due to error: " + String.join(", ", problems)
            + ", continuing command...");
        err().println("There are pending nodes to be drained:");
        err().println(" " + node);
        throw new CliException(String.join(", ", problems));
      }
      if (!daemonSet.isEmpty()) {
        err().println("Warning: ignoring DaemonSet-managed Pods: " + String.join(", ", daemonSet));
      }
      if (!unmanaged.isEmpty()) {
        err().println("Warning: deleting Pods that declare no controller: " + String.join(", ", unmanaged));
      }
      long deadline = Durations.deadline(timeout);
      for (JsonNode p : evict) {
        evictOne(p, deadline);
      }
      for (JsonNode p : evict) {
        waitGone(p, deadline);
        out().println("pod/" + p.path("metadata").path("name").asText() + " evicted");
        out().flush();
      }
      out().println("node/" + node + " drained");
    }

    private void evictOne(JsonNode pod, long deadline) throws InterruptedException {
      String ns = pod.path("metadata").path("namespace").asText();
      String name = pod.path("metadata").path("name").asText();
      String podPath = "/api/v1/namespaces/" + Paths.segment(ns) + "/pods/" + Paths.segment(name);
      out().println("evicting pod " + ns + "/" + name);
      out().flush();
      ObjectNode options = Json.mapper().createObjectNode();
      if (gracePeriod >= 0) {
        options.put("gracePeriodSeconds", gracePeriod);
      }
      while (true) {
        ApiClient.Response r;
        if (disableEviction) {
          r = api().send("DELETE", podPath, "application/json", options.toString(), "application/json");
        } else {
          ObjectNode ev = Json.mapper().createObjectNode();
          ev.put("apiVersion", "policy/v1").put("kind", "Eviction");
          ev.putObject("metadata").put("name", name).put("namespace", ns);
          if (!options.isEmpty()) {
            ev.set("deleteOptions", options);
          }
          r = api().send("POST", podPath + "/eviction", "application/json", ev.toString(), "application/json");
        }
        if (r.status() < 300 || r.status() == 404) {
          return;
        }
        if (r.status() == 429 && System.nanoTime() < deadline) {
          JsonNode body = r.json();
          err().println("error when evicting pods/\"" + name + "\" -n \"" + ns + "\" (will retry after 5s): "
              + (body == null ? "Too many requests" : body.path("message").asText()));
          err().flush();
          Thread.sleep(5000);
          continue;
        }
        r.check();
      }
    }

    private void waitGone(JsonNode pod, long deadline) throws InterruptedException {
      String ns = pod.path("metadata").path("namespace").asText();
      String name = pod.path("metadata").path("name").asText();
      String uid = pod.path("metadata").path("uid").asText();
      String path = "/api/v1/namespaces/" + Paths.segment(ns) + "/pods/" + Paths.segment(name);
      while (true) {
        ApiClient.Response r = api().send("GET", path, null, null, "application/json");
        if (r.status() == 404 || !uid.equals(r.check().json().path("metadata").path("uid").asText())) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("drain did not complete within the timeout: pod " + ns + "/" + name
              + " is still terminating");
        }
        Thread.sleep(200);
      }
    }
  }
}

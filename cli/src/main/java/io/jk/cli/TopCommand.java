package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jkctl top nodes|pods}: CPU and memory from each kubelet's {@code /stats/summary},
 * read through the API server's node proxy ({@code /api/v1/nodes/N/proxy/stats/summary}).
 */
@Command(name = "top", description = "Display resource (CPU/memory) usage of nodes or pods.")
final class TopCommand extends Base {

  @Parameters(index = "0", paramLabel = "nodes|pods")
  String what;

  @Option(names = {"-A", "--all-namespaces"}, description = "Pods of every namespace (with a NAMESPACE column).")
  boolean allNamespaces;

  @Override
  void run() {
    boolean nodes = what.startsWith("no");
    if (!nodes && !what.startsWith("po")) {
      throw new CliException("unknown resource for top: \"" + what + "\" (use nodes or pods)");
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(nodes || !allNamespaces ? List.of("NAME", "CPU(cores)", "MEMORY(bytes)")
        : List.of("NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"));
    for (JsonNode n : api().get("/api/v1/nodes").path("items")) {
      String name = n.path("metadata").path("name").asText();
      ApiClient.Response r = api().send("GET", "/api/v1/nodes/" + Paths.segment(name) + "/proxy/stats/summary",
          null, null, "application/json");
      if (r.status() == 404 || r.status() == 405 || r.status() == 501) {
        throw new CliException("Metrics not available: the API server has no node proxy to the kubelets' "
            + "/stats/summary (HTTP " + r.status() + ")");
      }
      JsonNode s = r.check().json();
      if (nodes) {
        rows.add(List.of(name, cpu(s.path("node").path("cpu")), mem(s.path("node").path("memory"))));
      } else {
        for (JsonNode p : s.path("pods")) {
          String ns = p.path("podRef").path("namespace").asText();
          String pod = p.path("podRef").path("name").asText();
          if (allNamespaces) {
            rows.add(List.of(ns, pod, cpu(p.path("cpu")), mem(p.path("memory"))));
          } else if (ns.equals(session().namespace())) {
            rows.add(List.of(pod, cpu(p.path("cpu")), mem(p.path("memory"))));
          }
        }
      }
    }
    out().print(Tabular.format(rows));
  }

  private static String cpu(JsonNode c) {
    return c.path("usageNanoCores").asLong() / 1_000_000 + "m";
  }

  private static String mem(JsonNode m) {
    return m.path("workingSetBytes").asLong() / (1024 * 1024) + "Mi";
  }
}

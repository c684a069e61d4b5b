package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jkctl cluster-info}, {@code api-resources} and {@code version}. */
final class InfoCommands {

  private InfoCommands() {}

  /** {@code jkctl cluster-info}. */
  @Command(name = "cluster-info", description = "Display addresses of the control plane.")
  static final class ClusterInfo extends Base {
    @Override
    void run() {
      api().get("/version");
      out().println("Kubernetes control plane is running at " + api().target().server());
      out().println();
      out().println("To further debug and diagnose cluster problems, use 'jkctl get nodes -o wide' and "
          + "'jkctl describe node NAME'.");
    }
  }

  /** {@code jkctl api-resources}. */
  @Command(name = "api-resources", description = "Print the supported API resources on the server.")
  static final class ApiResources extends Base {
    @Option(names = {"-o", "--output"}, description = "wide or name.")
    String output = "";

    @Option(names = "--namespaced", arity = "0..1", description = "Only namespaced (true) or cluster-scoped (false) types.")
    Boolean namespaced;

    @Option(names = "--api-group", description = "Only this group (\"\" for core).")
    String apiGroup;

    @Option(names = "--no-headers", description = "Leave out the header.")
    boolean noHeaders;

    @Override
    void run() {
      List<ResourceInfo> all = new ArrayList<>(session().discovery().all());
      all.sort(Comparator.comparing(ResourceInfo::group).thenComparing(ResourceInfo::resource));
      List<List<String>> rows = new ArrayList<>();
      if (!noHeaders && !output.equals("name")) {
        List<String> h = new ArrayList<>(List.of("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"));
        if (output.equals("wide")) {
          h.add("VERBS");
          h.add("CATEGORIES");
        }
        rows.add(h);
      }
      for (ResourceInfo r : all) {
        if (namespaced != null && r.namespaced() != namespaced || apiGroup != null && !r.group().equals(apiGroup)) {
          continue;
        }
        if (output.equals("name")) {
          out().println(r.qualifiedResource());
          continue;
        }
        List<String> row = new ArrayList<>(List.of(r.resource(), String.join(",", r.shortNames()), r.apiVersion(),
            String.valueOf(r.namespaced()), r.kind()));
        if (output.equals("wide")) {
          row.add("[" + String.join(" ", r.verbs()) + "]");
          row.add(String.join(",", r.categories()));
        }
        rows.add(row);
      }
      out().print(Tabular.format(rows));
    }
  }

  /** {@code jkctl version}. */
  @Command(name = "version", description = "Print the client and server version information.")
  static final class VersionCmd extends Base {
    @Option(names = "--client", description = "Client version only.")
    boolean client;

    @Option(names = {"-o", "--output"}, description = "yaml or json.")
    String output = "";

    @Override
    void run() {
      out().println("Client Version: " + Version.VERSION);
      if (!client) {
        JsonNode v = api().get("/version");
        out().println("Server Version: " + v.path("gitVersion").asText());
      }
    }
  }
}

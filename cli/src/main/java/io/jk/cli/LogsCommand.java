package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl logs}: a container's log through the API server's {@code pods/log}. */
@Command(name = "logs", description = "Print the logs for a container in a pod.")
final class LogsCommand extends Base {

  @Parameters(index = "0", paramLabel = "POD | TYPE/NAME")
  String target;

  @Parameters(index = "1", arity = "0..1", paramLabel = "CONTAINER")
  String containerArg;

  @Option(names = {"-c", "--container"}, description = "The container.")
  String container;

  @Option(names = {"-f", "--follow"}, description = "Stream the log.")
  boolean follow;

  @Option(names = "--tail", description = "Lines of recent log to show (-1: all).")
  long tail = -1;

  @Option(names = {"-p", "--previous"}, description = "The previous instance of the container.")
  boolean previous;

  @Option(names = "--timestamps", description = "Prefix each line with its timestamp.")
  boolean timestamps;

  @Option(names = "--since", description = "Only newer logs, e.g. 5s, 2m, 3h.")
  String since;

  @Override
  void run() throws Exception {
    String ns = session().namespace();
    String pod = target;
    if (target.contains("/")) {
      ResourceInfo type = session().discovery().resolve(target.substring(0, target.indexOf('/')));
      String name = target.substring(target.indexOf('/') + 1);
      pod = type.kind().equals("Pod") ? name : firstPod(type, ns, name);
    }
    String c = container != null ? container : containerArg;
    String podPath = "/api/v1/namespaces/" + Paths.segment(ns) + "/pods/" + Paths.segment(pod);
    JsonNode p = lookup(podPath, "pods", pod, ns); // as kubectl: the pod first, then its log
    if (c == null) {
      JsonNode cs = p.path("spec").path("containers");
      String dflt = p.path("metadata").path("annotations").path("kubectl.kubernetes.io/default-container").asText("");
      if (!dflt.isEmpty()) {
        c = dflt;
      } else if (cs.size() > 1) {
        c = cs.get(0).path("name").asText();
        StringBuilder names = new StringBuilder();
        cs.forEach(x -> names.append(names.length() == 0 ? "" : ", ").append(x.path("name").asText()));
        err().println("Defaulted container \"" + c + "\" out of: " + names);
      }
    }
    if (c != null && !hasContainer(p, c)) {
      throw new CliException("container " + c + " is not valid for pod " + pod);
    }
    StringBuilder q = new StringBuilder();
    if (c != null) {
      q.append("&container=").append(Paths.query(c));
    }
    if (follow) {
      q.append("&follow=true");
    }
    if (tail >= 0) {
      q.append("&tailLines=").append(tail);
    }
    if (previous) {
      q.append("&previous=true");
    }
    if (timestamps) {
      q.append("&timestamps=true");
    }
    if (since != null) {
      q.append("&sinceSeconds=").append(Durations.parse(since).getSeconds());
    }
    String path = podPath + "/log" + (q.length() == 0 ? "" : "?" + q.substring(1));
    out().flush();
    try (InputStream in = api().stream(path, "*/*")) {
      byte[] buf = new byte[8192];
      int n;
      java.io.PrintWriter o = out();
      while ((n = in.read(buf)) > 0) {
        o.print(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        o.flush();
      }
    }
  }

  private static boolean hasContainer(JsonNode pod, String name) {
    for (String list : new String[] {"containers", "initContainers", "ephemeralContainers"}) {
      for (JsonNode c : pod.path("spec").path(list)) {
        if (name.equals(c.path("name").asText())) {
          return true;
        }
      }
    }
    return false;
  }

  /** GET of the object the log is asked of, failing as kubectl does when it does not exist. */
  private JsonNode lookup(String path, String resource, String name, String ns) {
    try {
      return api().get(path);
    } catch (ApiException e) {
      if (e.status() == 404) {
        throw new CliException("error from server (NotFound): " + resource + " \"" + name + "\" not found in namespace \""
            + ns + "\"");
      }
      throw e;
    }
  }

  /** The first pod (by name) that the workload's selector matches. */
  private String firstPod(ResourceInfo type, String ns, String name) {
    JsonNode w = lookup(type.objectPath(ns, name), type.qualifiedResource(), name, ns);
    Map<String, String> labels = new TreeMap<>();
    JsonNode sel = w.path("spec").path("selector");
    JsonNode ml = sel.has("matchLabels") ? sel.path("matchLabels") : sel;
    ml.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    if (labels.isEmpty()) {
      throw new CliException("cannot find the pods of " + type.kindPrefix() + "/" + name + ": it has no selector");
    }
    StringBuilder s = new StringBuilder();
    labels.forEach((k, v) -> s.append(s.length() == 0 ? "" : ",").append(k).append('=').append(v));
    JsonNode pods = api().get("/api/v1/namespaces/" + Paths.segment(ns) + "/pods?labelSelector=" + Paths.query(s.toString()));
    String best = null;
    for (JsonNode p : pods.path("items")) {
      String n = p.path("metadata").path("name").asText();
      if (best == null || n.compareTo(best) < 0) {
        best = n;
      }
    }
    if (best == null) {
      throw new CliException("no pods found for " + type.kindPrefix() + "/" + name);
    }
    return best;
  }
}

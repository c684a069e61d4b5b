package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl wait --for=condition=X[=value]|delete|jsonpath={...}=value}. */
@Command(name = "wait", description = "Wait for a specific condition on one or many resources.")
final class WaitCommand extends Base {

  @Parameters(arity = "1..*", paramLabel = "TYPE NAME | TYPE/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = "--for", required = true, description = "condition=NAME[=VALUE], delete or jsonpath={...}=VALUE.")
  String forWhat;

  @Option(names = "--timeout", description = "How long to wait (default 30s).")
  String timeout = "30s";

  @Override
  void run() throws Exception {
    long deadline = Durations.deadline(timeout);
    for (ObjectRef r : refs(args)) {
      while (true) {
        ApiClient.Response resp = api().send("GET", r.path(), null, null, "application/json");
        boolean met;
        if (forWhat.equals("delete")) {
          met = resp.status() == 404;
        } else {
          if (resp.status() == 404 && System.nanoTime() > deadline) {
            resp.check();
          }
          met = resp.status() == 200 && met(resp.json());
        }
        if (met) {
          out().println(r.display() + " condition met");
          out().flush();
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("timed out waiting for the condition on " + r.type().resource() + "/" + r.name());
        }
        Thread.sleep(200);
      }
    }
  }

  private boolean met(JsonNode o) {
    if (forWhat.startsWith("condition=")) {
      String c = forWhat.substring(10);
      String want = "true";
      if (c.contains("=")) {
        want = c.substring(c.indexOf('=') + 1);
        c = c.substring(0, c.indexOf('='));
      }
      for (JsonNode cond : o.path("status").path("conditions")) {
        if (cond.path("type").asText().equalsIgnoreCase(c)) {
          return cond.path("status").asText().equalsIgnoreCase(want);
        }
      }
      return false;
    }
    if (forWhat.startsWith("jsonpath=")) {
      String spec = forWhat.substring(9);
      int eq = spec.lastIndexOf('=');
      if (eq < 0 || !spec.startsWith("{")) {
        throw new CliException("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3");
      }
      String expr = spec.substring(0, eq);
      String want = spec.substring(eq + 1);
      return JsonPath.render(expr, o).equals(want);
    }
    throw new CliException("unrecognized condition: \"" + forWhat + "\"");
  }
}

package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl rollout status|history|undo|restart|pause|resume} for deployments. */
@Command(name = "rollout", description = "Manage the rollout of a resource.",
    subcommands = {RolloutCommand.Status.class, RolloutCommand.History.class, RolloutCommand.Undo.class,
        RolloutCommand.Restart.class, RolloutCommand.Pause.class, RolloutCommand.Resume.class})
final class RolloutCommand implements Runnable {

  static final String REVISION = "deployment.kubernetes.io/revision";

  @Override
  public void run() {
    throw new CliException("a subcommand is required: status, history, undo, restart, pause or resume");
  }

  /** A rollout subcommand working on one deployment. */
  abstract static class One extends Base {
    @Parameters(arity = "1..2", paramLabel = "TYPE NAME | TYPE/NAME")
    List<String> args = new ArrayList<>();

    ObjectRef deployment() {
      ObjectRef r = ref(args);
      if (!r.type().kind().equals("Deployment")) {
        throw new CliException("no rollout support for " + r.type().kindPrefix() + " (jkctl rolls out deployments)");
      }
      return r;
    }
  }

  /** {@code rollout status}: waits until the deployment's new replicas are all updated and available. */
  @Command(name = "status", description = "Show the status of the rollout.")
  static final class Status extends One {
    @Option(names = {"-w", "--watch"}, arity = "0..1", fallbackValue = "true", description = "Wait until done (default true).")
    boolean watch = true;

    @Option(names = "--timeout", description = "How long to wait (0: forever).")
    String timeout = "0s";

    @Override
    void run() throws Exception {
      ObjectRef r = deployment();
      long deadline = Durations.deadline(timeout);
      String last = null;
      while (true) {
        JsonNode d = api().get(r.path());
        String msg = statusMessage(d);
        boolean done = msg.endsWith("successfully rolled out");
        if (!msg.equals(last)) {
          out().println(msg);
          out().flush();
          last = msg;
        }
        if (done || !watch) {
          if (msg.startsWith("error:")) {
            throw CliException.silent();
          }
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("timed out waiting for the condition");
        }
        Thread.sleep(250);
      }
    }

    static String statusMessage(JsonNode d) {
      String name = d.path("metadata").path("name").asText();
      JsonNode spec = d.path("spec");
      JsonNode st = d.path("status");
      if (d.path("metadata").path("generation").asLong() > st.path("observedGeneration").asLong()) {
        return "Waiting for deployment spec update to be observed...";
      }
      for (JsonNode c : st.path("conditions")) {
        if (c.path("type").asText().equals("Progressing") && c.path("reason").asText().equals("ProgressDeadlineExceeded")) {
          return "error: deployment \"" + name + "\" exceeded its progress deadline";
        }
      }
      long want = spec.has("replicas") ? spec.path("replicas").asLong() : 1;
      long updated = st.path("updatedReplicas").asLong();
      long total = st.path("replicas").asLong();
      long available = st.path("availableReplicas").asLong();
      if (updated < want) {
        return "Waiting for deployment \"" + name + "\" rollout to finish: " + updated + " out of " + want
            + " new replicas have been updated...";
      }
      if (total > updated) {
        return "Waiting for deployment \"" + name + "\" rollout to finish: " + (total - updated)
            + " old replicas are pending termination...";
      }
      if (available < updated) {
        return "Waiting for deployment \"" + name + "\" rollout to finish: " + available + " of " + updated
            + " updated replicas are available...";
      }
      return "deployment \"" + name + "\" successfully rolled out";
    }
  }

  /** The deployment's ReplicaSets (those it controls), oldest revision first. */
  static List<JsonNode> replicaSets(Base cmd, ObjectRef d, JsonNode deployment) {
    List<JsonNode> out = new ArrayList<>();
    String uid = deployment.path("metadata").path("uid").asText();
    String path = "/apis/apps/v1/namespaces/" + Paths.segment(d.namespace()) + "/replicasets";
    for (JsonNode rs : cmd.api().get(path).path("items")) {
      for (JsonNode o : rs.path("metadata").path("ownerReferences")) {
        if (uid.equals(o.path("uid").asText())) {
          out.add(rs);
        }
      }
    }
    out.sort(Comparator.comparingLong(RolloutCommand::revision));
    return out;
  }

  static long revision(JsonNode rs) {
    try {
      return Long.parseLong(rs.path("metadata").path("annotations").path(REVISION).asText("0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** {@code rollout history}. */
  @Command(name = "history", description = "View rollout history.")
  static final class History extends One {
    @Option(names = "--revision", description = "Show the pod template of this revision.")
    long revision;

    @Override
    void run() {
      ObjectRef r = deployment();
      JsonNode d = api().get(r.path());
      List<JsonNode> sets = replicaSets(this, r, d);
      if (revision > 0) {
        for (JsonNode rs : sets) {
          if (revision(rs) == revision) {
            out().println(r.display() + " with revision #" + revision);
            out().print(Printing.yaml(rs.path("spec").path("template")));
            return;
          }
        }
        throw new CliException("unable to find the specified revision");
      }
      out().println(r.display());
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("REVISION", "CHANGE-CAUSE"));
      for (JsonNode rs : sets) {
        String cause = rs.path("metadata").path("annotations").path("kubernetes.io/change-cause").asText("<none>");
        rows.add(List.of(String.valueOf(revision(rs)), cause));
      }
      out().print(Tabular.format(rows));
      out().println();
    }
  }

  /** {@code rollout undo [--to-revision N]}: puts an earlier revision's pod template back. */
  @Command(name = "undo", description = "Undo a previous rollout.")
  static final class Undo extends One {
    @Option(names = "--to-revision", description = "The revision to roll back to (default: the previous one).")
    long toRevision;

    @Override
    void run() {
      ObjectRef r = deployment();
      JsonNode d = api().get(r.path());
      List<JsonNode> sets = replicaSets(this, r, d);
      long current = sets.isEmpty() ? 0 : revision(sets.get(sets.size() - 1));
      JsonNode target = null;
      for (JsonNode rs : sets) {
        long rev = revision(rs);
        if (toRevision > 0 ? rev == toRevision : rev < current) {
          target = rs;
        }
      }
      if (target == null) {
        throw new CliException(toRevision > 0 ? "unable to find specified revision " + toRevision + " in history"
            : "no rollout history found for deployment \"" + r.name() + "\"");
      }
      if (revision(target) == current) {
        out().println(r.display() + " skipped rollback (current template already matches revision " + current + ")");
        return;
      }
      ObjectNode template = target.path("spec").path("template").deepCopy();
      JsonNode labels = template.path("metadata").path("labels");
      if (labels.isObject()) {
        ((ObjectNode) labels).remove("pod-template-hash");
      }
      ObjectNode patch = Json.mapper().createObjectNode();
      patch.putObject("spec").set("template", template);
      api().json("PATCH", r.path(), "application/strategic-merge-patch+json", patch);
      out().println(r.display() + " rolled back");
    }
  }

  /** {@code rollout restart}: a new template annotation makes the deployment replace every pod. */
  @Command(name = "restart", description = "Restart a resource.")
  static final class Restart extends One {
    @Override
    void run() {
      ObjectRef r = deployment();
      JsonNode d = api().get(r.path());
      if (d.path("spec").path("paused").asBoolean(false)) {
        throw new CliException("deployments.apps \"" + r.name() + "\" can't restart paused deployment (run rollout "
            + "resume first)");
      }
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      mergePatch(r.path(), Map.of("spec", Map.of("template", Map.of("metadata",
          Map.of("annotations", Map.of("kubectl.kubernetes.io/restartedAt", now))))));
      out().println(r.display() + " restarted");
    }
  }

  /** {@code rollout pause}. */
  @Command(name = "pause", description = "Mark the provided resource as paused.")
  static final class Pause extends One {
    @Override
    void run() {
      setPaused(this, deployment(), true);
    }
  }

  /** {@code rollout resume}. */
  @Command(name = "resume", description = "Resume a paused resource.")
  static final class Resume extends One {
    @Override
    void run() {
      setPaused(this, deployment(), false);
    }
  }

  static void setPaused(Base cmd, ObjectRef r, boolean paused) {
    JsonNode d = cmd.api().get(r.path());
    String word = paused ? "paused" : "resumed";
    if (d.path("spec").path("paused").asBoolean(false) == paused) {
      throw new CliException(r.type().kindPrefix() + "/" + r.name() + " is already " + (paused ? "paused" : "resumed"));
    }
    cmd.mergePatch(r.path(), Map.of("spec", Map.of("paused", paused)));
    cmd.out().println(r.display() + " " + word);
  }
}

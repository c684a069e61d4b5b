package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl label} and {@code jkctl annotate}: {@code KEY=VALUE} sets, {@code KEY-} removes. */
final class MetadataCommands {

  private MetadataCommands() {}

  /** The shared work of label and annotate. */
  abstract static class Change extends Base {

    @Parameters(arity = "1..*", paramLabel = "TYPE NAME KEY=VAL... | TYPE/NAME KEY=VAL... | KEY-")
    List<String> args = new ArrayList<>();

    @Option(names = "--overwrite", description = "Replace existing values.")
    boolean overwrite;

    @Option(names = {"-l", "--selector"}, description = "Label selector of the objects to change.")
    String selector;

    @Option(names = "--all", description = "Change every object of the type in the namespace.")
    boolean all;

    abstract String field();

    abstract String verb();

    @Override
    void run() {
      List<String> resources = new ArrayList<>();
      Map<String, String> set = new LinkedHashMap<>();
      List<String> remove = new ArrayList<>();
      for (String a : args) {
        if (a.contains("=")) {
          String k = a.substring(0, a.indexOf('='));
          if (k.isEmpty()) {
            throw new CliException("invalid " + verb().replace("ed", "") + " spec: " + a);
          }
          set.put(k, a.substring(a.indexOf('=') + 1));
        } else if (a.endsWith("-") && !resources.isEmpty()) {
          remove.add(a.substring(0, a.length() - 1));
        } else {
          resources.add(a);
        }
      }
      if (set.isEmpty() && remove.isEmpty()) {
        throw new CliException("at least one " + field().substring(0, field().length() - 1)
            + " update is required");
      }
      List<ObjectRef> targets = new ArrayList<>();
      if (selector != null || all) {
        for (Targets.Target t : Targets.parse(resources, session().discovery())) {
          String ns = t.type().namespaced() ? session().namespace() : null;
          String q = selector == null ? "" : "?labelSelector=" + Paths.query(selector);
          for (JsonNode i : api().get(t.type().collectionPath(ns) + q).path("items")) {
            targets.add(new ObjectRef(t.type(), ns, i.path("metadata").path("name").asText()));
          }
        }
      } else {
        targets.addAll(refs(resources));
      }
      for (ObjectRef r : targets) {
        JsonNode live = api().get(r.path()).path("metadata").path(field());
        ObjectNode values = Json.mapper().createObjectNode();
        for (Map.Entry<String, String> e : set.entrySet()) {
          JsonNode old = live.get(e.getKey());
          if (old != null && !overwrite && !old.asText().equals(e.getValue())) {
            throw new CliException("'" + e.getKey() + "' already has a value (" + old.asText()
                + "), and --overwrite is false");
          }
          if (old == null || !old.asText().equals(e.getValue())) {
            values.put(e.getKey(), e.getValue());
          }
        }
        for (String k : remove) {
          if (live.has(k)) {
            values.putNull(k);
          }
        }
        if (values.isEmpty()) {
          out().println(r.display() + " not " + verb());
          continue;
        }
        ObjectNode patch = Json.mapper().createObjectNode();
        patch.putObject("metadata").set(field(), values);
        mergePatch(r.path(), patch);
        out().println(r.display() + " " + verb());
      }
    }
  }

  /** {@code jkctl label}. */
  @Command(name = "label", description = "Update the labels on a resource.")
  static final class Label extends Change {
    @Override
    String field() {
      return "labels";
    }

    @Override
    String verb() {
      return "labeled";
    }
  }

  /** {@code jkctl annotate}. */
  @Command(name = "annotate", description = "Update the annotations on a resource.")
  static final class Annotate extends Change {
    @Override
    String field() {
      return "annotations";
    }

    @Override
    String verb() {
      return "annotated";
    }
  }
}

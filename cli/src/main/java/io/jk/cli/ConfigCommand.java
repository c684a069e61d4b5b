package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl config view|use-context|get-contexts|current-context|set-context}: the kubeconfig file. */
@Command(name = "config", description = "Modify kubeconfig files.",
    subcommands = {ConfigCommand.View.class, ConfigCommand.UseContext.class, ConfigCommand.GetContexts.class,
        ConfigCommand.CurrentContext.class, ConfigCommand.SetContext.class})
final class ConfigCommand implements Runnable {

  @Override
  public void run() {
    throw new CliException("a subcommand is required: view, use-context, get-contexts, current-context, set-context");
  }

  /** {@code config view} (credentials redacted unless {@code --raw}). */
  @Command(name = "view", description = "Display merged kubeconfig settings.")
  static final class View extends Base {
    @Option(names = "--raw", description = "Show credentials.")
    boolean raw;

    @Option(names = "--minify", description = "Only the current context's entries.")
    boolean minify;

    @Option(names = {"-o", "--output"}, description = "yaml (default) or json.")
    String output = "yaml";

    @Override
    void run() {
      Kubeconfig k = root().kubeconfigFile();
      ObjectNode c = k.root().deepCopy();
      if (minify) {
        Kubeconfig.Target t = k.target(root().context);
        keepOnly(c, "contexts", t.context());
        JsonNode ctx = k.entry("contexts", t.context());
        keepOnly(c, "clusters", ctx.path("cluster").asText());
        keepOnly(c, "users", ctx.path("user").asText());
        c.put("current-context", t.context());
      }
      if (!raw) {
        redact(c);
      }
      out().print(output.equals("json") ? Printing.json(c) : Printing.yaml(c));
    }

    private static void keepOnly(ObjectNode c, String list, String name) {
      JsonNode l = c.path(list);
      if (l.isArray()) {
        for (Iterator<JsonNode> it = l.elements(); it.hasNext(); ) {
          if (!name.equals(it.next().path("name").asText())) {
            it.remove();
          }
        }
      }
    }

    private static void redact(JsonNode n) {
      if (n.isObject()) {
        ObjectNode o = (ObjectNode) n;
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
          if (k.endsWith("-data")) {
            o.put(k, k.equals("certificate-authority-data") ? "DATA+OMITTED" : "DATA+OMITTED");
          } else if (k.equals("token") || k.equals("password")) {
            o.put(k, "REDACTED");
          } else {
            redact(o.get(k));
          }
        }
      } else if (n.isArray()) {
        n.forEach(View::redact);
      }
    }
  }

  /** {@code config use-context NAME}. */
  @Command(name = "use-context", description = "Set the current-context in a kubeconfig file.")
  static final class UseContext extends Base {
    @Parameters(arity = "1", paramLabel = "CONTEXT_NAME")
    String name;

    @Override
    void run() {
      Kubeconfig k = root().kubeconfigFile();
      if (k.entry("contexts", name) == null) {
        throw new CliException("no context exists with the name: \"" + name + "\"");
      }
      k.root().put("current-context", name);
      k.save();
      out().println("Switched to context \"" + name + "\".");
    }
  }

  /** {@code config current-context}. */
  @Command(name = "current-context", description = "Display the current-context.")
  static final class CurrentContext extends Base {
    @Override
    void run() {
      String c = root().kubeconfigFile().currentContext();
      if (c.isEmpty()) {
        throw new CliException("current-context is not set");
      }
      out().println(c);
    }
  }

  /** {@code config get-contexts}. */
  @Command(name = "get-contexts", description = "Describe one or many contexts.")
  static final class GetContexts extends Base {
    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(names = {"-o", "--output"}, description = "name: only the names.")
    String output = "";

    @Override
    void run() {
      Kubeconfig k = root().kubeconfigFile();
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"));
      boolean found = false;
      for (JsonNode c : k.list("contexts")) {
        String n = c.path("name").asText();
        if (name != null && !name.equals(n)) {
          continue;
        }
        found = true;
        if (output.equals("name")) {
          out().println(n);
          continue;
        }
        JsonNode ctx = c.path("context");
        rows.add(List.of(n.equals(k.currentContext()) ? "*" : "", n, ctx.path("cluster").asText(""),
            ctx.path("user").asText(""), ctx.path("namespace").asText("")));
      }
      if (name != null && !found) {
        throw new CliException("context " + name + " not found");
      }
      if (!output.equals("name")) {
        out().print(Tabular.format(rows));
      }
    }
  }

  /** {@code config set-context [NAME | --current] [--namespace N] [--cluster C] [--user U]}. */
  @Command(name = "set-context", description = "Set a context entry in kubeconfig.")
  static final class SetContext extends Base {
    @Parameters(arity = "0..1", paramLabel = "CONTEXT_NAME")
    String name;

    @Option(names = "--current", description = "Modify the current context.")
    boolean current;

    @Option(names = "--cluster", description = "The cluster entry.")
    String cluster;

    @Option(names = "--user", description = "The user entry.")
    String user;

    @Override
    void run() {
      Kubeconfig k = root().kubeconfigFile();
      String n = current ? k.currentContext() : name;
      if (n == null || n.isEmpty()) {
        throw new CliException("you must specify a non-empty context name or --current");
      }
      ObjectNode ctx = k.entry("contexts", n);
      boolean exists = ctx != null;
      if (!exists) {
        ObjectNode entry = k.list("contexts").addObject();
        entry.put("name", n);
        ctx = entry.putObject("context");
      }
      String ns = root().namespace;
      for (Map.Entry<String, String> e : Map.of("cluster", String.valueOf(cluster), "user", String.valueOf(user),
          "namespace", String.valueOf(ns)).entrySet()) {
        if (!e.getValue().equals("null")) {
          ctx.put(e.getKey(), e.getValue());
        }
      }
      k.save();
      out().println("Context \"" + n + "\" " + (exists ? "modified" : "created") + ".");
    }
  }
}

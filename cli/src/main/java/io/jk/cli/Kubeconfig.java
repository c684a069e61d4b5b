package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A kubeconfig file as a JSON tree: which file (from {@code --kubeconfig}, {@code KUBECONFIG} or
 * {@code ~/.kube/config}), the selected context, its cluster and user, and saving changes back.
 */
public final class Kubeconfig {

  private final Path file;
  private final ObjectNode root;

  private Kubeconfig(Path file, ObjectNode root) {
    this.file = file;
    this.root = root;
  }

  /**
   * The file jkctl uses: the flag, else the first of {@code KUBECONFIG}, else
   * {@code $HOME/.kube/config}; a relative name is taken relative to {@code cwd} (the command's
   * working directory, which in the jkctl daemon is not the process's).
   */
  public static Path locate(String flag, Map<String, String> env, Path cwd) {
    if (flag != null && !flag.isBlank()) {
      return cwd.resolve(flag);
    }
    String fromEnv = env.get("KUBECONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return cwd.resolve(fromEnv.split(":")[0]);
    }
    return home(env, cwd).resolve(".kube").resolve("config");
  }

  /** {@code $HOME} as kubectl takes it (else the JVM's user.home), absolute. */
  public static Path home(Map<String, String> env, Path cwd) {
    String home = env.get("HOME");
    return cwd.resolve(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /** Reads {@code file}; a missing file gives an empty configuration. */
  public static Kubeconfig load(Path file) {
    try {
      if (!Files.exists(file)) {
        return new Kubeconfig(file, Json.mapper().createObjectNode());
      }
      JsonNode n = Json.yamlMapper().readTree(Files.readString(file));
      if (n == null || n.isMissingNode() || n.isNull()) {
        return new Kubeconfig(file, Json.mapper().createObjectNode());
      }
      if (!n.isObject()) {
        throw new CliException("kubeconfig " + file + " is not a YAML mapping");
      }
      return new Kubeconfig(file, (ObjectNode) n);
    } catch (IOException e) {
      throw new CliException("cannot read kubeconfig " + file + ": " + e.getMessage());
    }
  }

  /** The file this configuration came from. */
  public Path file() {
    return file;
  }

  /** The whole tree (changes are written by {@link #save()}). */
  public ObjectNode root() {
    return root;
  }

  /** The {@code current-context}, or empty. */
  public String currentContext() {
    return root.path("current-context").asText("");
  }

  /** The named entry's inner object ({@code context}, {@code cluster}, {@code user}) or null. */
  public ObjectNode entry(String listName, String name) {
    for (JsonNode e : root.path(listName)) {
      if (name.equals(e.path("name").asText())) {
        JsonNode inner = e.path(listName.substring(0, listName.length() - 1));
        return inner.isObject() ? (ObjectNode) inner : Json.mapper().createObjectNode();
      }
    }
    return null;
  }

  /** The list {@code clusters}, {@code users} or {@code contexts}, created when absent. */
  public ArrayNode list(String listName) {
    JsonNode l = root.get(listName);
    if (l == null || !l.isArray()) {
      return root.putArray(listName);
    }
    return (ArrayNode) l;
  }

  /** Writes the configuration back to its file (mode 0600). */
  public void save() {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, Json.yamlMapper().writeValueAsString(root));
      try {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
    } catch (IOException e) {
      throw new CliException("cannot write kubeconfig " + file + ": " + e.getMessage());
    }
  }

  /** The context {@code contextFlag} (or the current one) resolved to server, credentials and namespace. */
  public Target target(String contextFlag) {
    String ctxName = contextFlag != null && !contextFlag.isBlank() ? contextFlag : currentContext();
    if (ctxName.isEmpty()) {
      throw new CliException("no context is set in " + file
          + " (is the cluster running? set KUBECONFIG or pass --kubeconfig)");
    }
    ObjectNode ctx = entry("contexts", ctxName);
    if (ctx == null) {
      throw new CliException("context \"" + ctxName + "\" does not exist in " + file);
    }
    ObjectNode cluster = entry("clusters", ctx.path("cluster").asText());
    if (cluster == null || !cluster.hasNonNull("server")) {
      throw new CliException("cluster \"" + ctx.path("cluster").asText() + "\" of context \"" + ctxName
          + "\" has no server in " + file);
    }
    ObjectNode user = entry("users", ctx.path("user").asText());
    if (user == null) {
      user = Json.mapper().createObjectNode();
    }
    String ns = ctx.path("namespace").asText("");
    return new Target(ctxName, cluster, user, ns.isEmpty() ? "default" : ns, file);
  }

  /**
   * A resolved context.
   *
   * @param context the context's name
   * @param cluster the cluster entry ({@code server}, {@code certificate-authority[-data]}, ...)
   * @param user the user entry ({@code token}, {@code client-certificate[-data]}, ...)
   * @param namespace the context's namespace ({@code default} when unset)
   * @param file the kubeconfig file, for resolving relative paths
   */
  public record Target(String context, ObjectNode cluster, ObjectNode user, String namespace, Path file) {

    /** The server URL without a trailing slash. */
    public String server() {
      String s = cluster.get("server").asText();
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
  }
}

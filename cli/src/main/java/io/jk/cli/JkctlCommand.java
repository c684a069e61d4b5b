package io.jk.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code jkctl}, the command line for jk clusters (and any Kubernetes API server).
 *
 * <p>Global flags ({@code --kubeconfig}, {@code --context}, {@code -n}) are inherited by every
 * subcommand. The API client and discovery are created on first use, so commands that do not
 * talk to the server (config, completion, version --client) never open a connection.
 */
@Command(name = "jkctl", mixinStandardHelpOptions = false, versionProvider = JkctlCommand.VersionProvider.class,
    description = "jkctl controls jk clusters (and any Kubernetes API server).")
public final class JkctlCommand implements Runnable {

  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, description = "Path to the kubeconfig file.")
  String kubeconfig;

  @Option(names = "--context", scope = ScopeType.INHERIT, description = "The kubeconfig context to use.")
  String context;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, description = "The namespace of the request.")
  String namespace;

  @Option(names = "--cache-dir", scope = ScopeType.INHERIT,
      description = "Default cache directory (discovery). Default: $KUBECACHEDIR or ~/.kube/cache.")
  String cacheDir;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show help.")
  boolean help;

  /**
   * Every subcommand by name. Only the one invoked is registered with picocli (all of them for
   * help and completion), so {@code jkctl get pods} loads and introspects one command class.
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

  private static Map<String, Class<?>> subcommands() {
    Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
    m.put("get", GetCommand.class);
    m.put("apply", ApplyCommand.class);
    m.put("create", CreateCommand.class);
    m.put("replace", ReplaceCommand.class);
    m.put("delete", DeleteCommand.class);
    m.put("describe", DescribeCommand.class);
    m.put("logs", LogsCommand.class);
    m.put("exec", ExecCommand.class);
    m.put("scale", ScaleCommand.class);
    m.put("rollout", RolloutCommand.class);
    m.put("cordon", NodeCommands.Cordon.class);
    m.put("uncordon", NodeCommands.Uncordon.class);
    m.put("drain", NodeCommands.Drain.class);
    m.put("label", MetadataCommands.Label.class);
    m.put("annotate", MetadataCommands.Annotate.class);
    m.put("patch", PatchCommand.class);
    m.put("edit", EditCommand.class);
    m.put("wait", WaitCommand.class);
    m.put("top", TopCommand.class);
    m.put("image", ImageCommand.class);
    m.put("config", ConfigCommand.class);
    m.put("cluster-info", InfoCommands.ClusterInfo.class);
    m.put("api-resources", InfoCommands.ApiResources.class);
    m.put("version", InfoCommands.VersionCmd.class);
    m.put("completion", CompletionCommand.class);
    return m;
  }

  /** The subcommand named in {@code args} (the first word that is not a global flag or its value), or null. */
  static String invoked(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--kubeconfig") || a.equals("--context") || a.equals("-n") || a.equals("--namespace")
          || a.equals("--cache-dir")) {
        i++;
      } else if (!a.startsWith("-")) {
        return a;
      }
    }
    return null;
  }

  final Map<String, String> env;
  final InputStream in;
  /** The command's working directory: every relative path a command names is taken relative to it. */
  final java.nio.file.Path cwd;
  private final ApiClients clients;
  private Session session;

  JkctlCommand(Map<String, String> env, InputStream in, java.nio.file.Path cwd, ApiClients clients) {
    this.env = env;
    this.in = in;
    this.cwd = cwd;
    this.clients = clients;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (see jkctl --help)");
  }

  /** The connection to the cluster, created on first use. */
  Session session() {
    if (session == null) {
      Trace.mark("parsed");
      session = new Session(kubeconfigFile(), context, namespace, cacheDir(), clients);
      Trace.mark("kubeconfig");
    }
    return session;
  }

  /** {@code --cache-dir}, else {@code KUBECACHEDIR}, else {@code $HOME/.kube/cache}, as kubectl picks it. */
  java.nio.file.Path cacheDir() {
    if (cacheDir != null && !cacheDir.isBlank()) {
      return cwd.resolve(cacheDir);
    }
    String fromEnv = env.get("KUBECACHEDIR");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return cwd.resolve(fromEnv);
    }
    return Kubeconfig.home(env, cwd).resolve(".kube").resolve("cache");
  }

  /** The kubeconfig file named by flags or environment. */
  Kubeconfig kubeconfigFile() {
    return Kubeconfig.load(Kubeconfig.locate(kubeconfig, env, cwd));
  }

  /**
   * Entry point of the JVM {@code jkctl} ({@code bin/jkctl}, the C client, runs it when it does not
   * hand the command to the jkctl daemon). {@code jkctl daemon run} runs that daemon here.
   */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("daemon")) {
      System.exit(io.jk.cli.daemon.DaemonMain.main(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    Trace.begin(System.getenv(), System.err);
    Trace.mark("main");
    int code = run(args, System.getenv(), System.in, System.out, System.err);
    System.out.flush();
    Trace.mark("done");
    System.exit(code);
  }

  /**
   * Runs jkctl in this process, in the process's working directory (the binary's main and the
   * tests use it).
   *
   * @return the exit code
   */
  public static int run(String[] args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
    return run(args, env, java.nio.file.Path.of("").toAbsolutePath(), ApiClients.NEW, null, in, out, err);
  }

  /**
   * Runs jkctl in this process for a command issued in {@code cwd} (an absolute path), with API
   * clients from {@code clients}: what the jkctl daemon does for each request.
   *
   * @param terminal the terminal the command was typed in (null: this process's own)
   * @return the exit code
   */
  public static int run(String[] args, Map<String, String> env, java.nio.file.Path cwd, ApiClients clients,
      Terminal terminal, InputStream in, PrintStream out, PrintStream err) {
    boolean traced = Trace.active();
    if (!traced) {
      Trace.begin(env, err);
    }
    try {
      return execute(args, new JkctlCommand(env, in, cwd, clients), terminal, out, err);
    } finally {
      if (!traced) {
        Trace.end();
      }
    }
  }

  private static int execute(String[] args, JkctlCommand root, Terminal terminal, PrintStream out,
      PrintStream err) {
    CommandLine cl = new CommandLine(root);
    String name = invoked(args);
    if (name != null && SUBCOMMANDS.containsKey(name) && !name.equals("completion")) {
      cl.addSubcommand(name, SUBCOMMANDS.get(name));
    } else {
      SUBCOMMANDS.forEach(cl::addSubcommand);
    }
    PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    if (terminal != null) { // after the subcommands: picocli sets it on those present only
      cl.setColorScheme(CommandLine.Help.defaultColorScheme(terminal.ansi(root.env)));
    }
    cl.setOut(o);
    cl.setErr(e);
    cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
      Throwable t = ex;
      if (t instanceof CliException c) {
        if (!c.userMessage().isEmpty()) {
          e.println(c.userMessage());
        }
        return c.exitCode();
      }
      e.println("error: " + (t.getMessage() == null ? t.toString() : t.getMessage()));
      return 1;
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      e.println("error: " + ex.getMessage());
      e.println("See '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      return 1;
    });
    try {
      return cl.execute(args);
    } finally {
      o.flush();
      e.flush();
    }
  }

  /** {@code --version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"jkctl " + Version.VERSION};
    }
  }
}

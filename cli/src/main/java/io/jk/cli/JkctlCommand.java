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
    description = "jkctl controls jk clusters (and any Kubernetes API server).",
    subcommands = {
        GetCommand.class, ApplyCommand.class, CreateCommand.class, ReplaceCommand.class, DeleteCommand.class,
        ScaleCommand.class, RolloutCommand.class, NodeCommands.Cordon.class, NodeCommands.Uncordon.class,
        NodeCommands.Drain.class, MetadataCommands.Label.class, MetadataCommands.Annotate.class, PatchCommand.class,
        DescribeCommand.class, LogsCommand.class, WaitCommand.class, ConfigCommand.class,
        InfoCommands.ClusterInfo.class, InfoCommands.ApiResources.class, InfoCommands.VersionCmd.class,
        CompletionCommand.class, ExecCommand.class, TopCommand.class, ImageCommand.class, EditCommand.class})
public final class JkctlCommand implements Runnable {

  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, description = "Path to the kubeconfig file.")
  String kubeconfig;

  @Option(names = "--context", scope = ScopeType.INHERIT, description = "The kubeconfig context to use.")
  String context;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT, description = "The namespace of the request.")
  String namespace;

  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show help.")
  boolean help;

  final Map<String, String> env;
  final InputStream in;
  private Session session;

  JkctlCommand(Map<String, String> env, InputStream in) {
    this.env = env;
    this.in = in;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (see jkctl --help)");
  }

  /** The connection to the cluster, created on first use. */
  Session session() {
    if (session == null) {
      session = new Session(Kubeconfig.load(Kubeconfig.locate(kubeconfig, env)), context, namespace);
    }
    return session;
  }

  /** The kubeconfig file named by flags or environment. */
  Kubeconfig kubeconfigFile() {
    return Kubeconfig.load(Kubeconfig.locate(kubeconfig, env));
  }

  /** Entry point of the {@code jkctl} binary. */
  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.in, System.out, System.err);
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs jkctl in this process (the binary's main and the tests use it).
   *
   * @return the exit code
   */
  public static int run(String[] args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
    JkctlCommand root = new JkctlCommand(env, in);
    CommandLine cl = new CommandLine(root);
    PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
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

package io.jk.deploy;

import io.jk.apiserver.server.ApiServerCommand;
import io.jk.controllers.ControllerManagerCommand;
import io.jk.deploy.agent.AgentCommand;
import io.jk.deploy.server.ServerCommand;
import io.jk.deploy.lab.LabCommand;
import io.jk.kubelet.cli.KubeletCommand;
import io.jk.proxy.ProxyCommand;
import io.jk.scheduler.SchedulerCommand;
import io.jk.scheduler.hollow.HollowNodesCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jk}: the launcher. {@code jk server} runs a control plane, {@code jk agent} a node, and
 * one subcommand per component runs that component alone with its own flags.
 */
@Command(name = "jk", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "jk: a container orchestrator that speaks the Kubernetes API.",
    subcommands = {ServerCommand.class, AgentCommand.class, ApiServerCommand.class, SchedulerCommand.class,
        ControllerManagerCommand.class, KubeletCommand.class, ProxyCommand.class, HollowNodesCommand.class, LabCommand.class, ImageCommand.class, TokenCommand.class, VersionCommand.class,
        CommandLine.HelpCommand.class})
public final class JkCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** The picocli command line of {@code jk}, for tests and embedding. */
  public static CommandLine commandLine() {
    return new CommandLine(new JkCommand());
  }

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "jk-logback.xml");
    }
    System.exit(commandLine().execute(args));
  }
}

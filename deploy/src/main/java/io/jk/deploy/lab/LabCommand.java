package io.jk.deploy.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jk lab}: a multi-node jk cluster on this machine (network namespaces on a lab bridge),
 * for experiments and end-to-end tests. Needs root.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
    description = "A multi-node jk cluster on this machine: one network namespace per node on a lab bridge.",
    subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class, LabCommand.NodeCmd.class,
        LabCommand.ProcessCmd.class})
public final class LabCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Options every lab subcommand takes. */
  static class LabOptions {
    @Option(names = "--name", defaultValue = "lab", description = "Lab name (1-8 lowercase letters/digits). Default: ${DEFAULT-VALUE}")
    String name;

    @Option(names = "--dir", description = "Lab directory (state, logs, kubeconfig). Default: /var/lib/jk/lab/<name>")
    Path dir;

    Lab lab() {
      return new Lab(name, dir != null ? dir : Lab.defaultDir(name), System.out);
    }

    /**
     * Runs {@code action} on this lab; bad input and failures become a message on stderr and exit code 2
     * (bad input, a state that does not allow it) or 1 (anything else), as every subcommand answers.
     */
    int run(LabAction action) {
      try {
        action.run(lab());
        return 0;
      } catch (IllegalArgumentException | IllegalStateException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      } catch (Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }
  }

  /** What a subcommand does to the lab. */
  @FunctionalInterface
  interface LabAction {
    void run(Lab lab) throws Exception;
  }

  /** {@code jk lab up}. */
  @Command(name = "up", mixinStandardHelpOptions = true, description = "Create the lab and start its cluster.")
  static final class Up implements Callable<Integer> {
    @CommandLine.Mixin LabOptions opts = new LabOptions();

    @Option(names = "--nodes", defaultValue = "3", description = "Number of nodes. Default: ${DEFAULT-VALUE}")
    int nodes;

    @Option(names = "--split-control-plane",
        description = "Run the API server, scheduler and controller-manager as three processes (each can be killed alone).")
    boolean split;

    @Option(names = "--node-monitor-grace-period",
        description = "The controller-manager's grace period before a silent node turns Unknown, e.g. 16s (needs --split-control-plane).")
    String grace;

    @Override
    public Integer call() {
      return opts.run(lab -> lab.up(nodes, new LabConfig(split, LabConfig.parseGrace(grace))));
    }
  }

  /** {@code jk lab down}. */
  @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the lab and remove everything it made.")
  static final class Down implements Callable<Integer> {
    @CommandLine.Mixin LabOptions opts = new LabOptions();

    @Override
    public Integer call() {
      return opts.run(Lab::down);
    }
  }

  /** {@code jk lab status}. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the lab's nodes and processes.")
  static final class Status implements Callable<Integer> {
    @CommandLine.Mixin LabOptions opts = new LabOptions();

    @Override
    public Integer call() {
      return opts.run(Lab::status);
    }
  }

  /** {@code jk lab node stop|start|partition|heal NAME}: fault hooks. */
  @Command(name = "node", mixinStandardHelpOptions = true,
      description = "Fault hooks: stop|start a node's agents, partition|heal its link to the lab bridge.")
  static final class NodeCmd implements Callable<Integer> {
    @CommandLine.Mixin LabOptions opts = new LabOptions();

    @Parameters(index = "0", description = "stop, start, partition or heal")
    String action;

    @Parameters(index = "1", description = "Node name (see jk lab status)")
    String node;

    @Override
    public Integer call() {
      return opts.run(lab -> {
        switch (action) {
          case "stop" -> lab.stopNode(node);
          case "start" -> lab.startNode(node);
          case "partition" -> lab.partition(node, true);
          case "heal" -> lab.partition(node, false);
          default -> throw new IllegalArgumentException("unknown action " + action + " (stop, start, partition, heal)");
        }
      });
    }
  }

  /** {@code jk lab process kill|start ROLE [--node NAME]}: crash and restart one lab process. */
  @Command(name = "process", mixinStandardHelpOptions = true,
      description = {"Fault hooks: kill (SIGKILL, by PID) or start again one lab process.",
          "ROLE: server, or with --split-control-plane apiserver|scheduler|controller-manager; kubelet|proxy with --node."})
  static final class ProcessCmd implements Callable<Integer> {
    @CommandLine.Mixin LabOptions opts = new LabOptions();

    @Parameters(index = "0", description = "kill or start")
    String action;

    @Parameters(index = "1", description = "server, apiserver, scheduler, controller-manager, kubelet or proxy")
    String role;

    @Option(names = "--node", description = "The node whose kubelet or proxy is meant.")
    String node;

    @Override
    public Integer call() {
      return opts.run(lab -> {
        switch (action) {
          case "kill" -> lab.kill(role, node);
          case "start" -> lab.start(role, node);
          default -> throw new IllegalArgumentException("unknown action " + action + " (kill, start)");
        }
      });
    }
  }

  /** Runs {@code jk lab} on its own. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LabCommand()).execute(args));
  }
}

package io.jk.deploy.lab;

import io.jk.deploy.JkCommand;
import io.jk.kubelet.cli.KubeletCommand;
import io.jk.proxy.ProxyCommand;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * Entry point of the processes a lab starts: {@code server ...} (the launcher's {@code jk
 * server}) or, with a split control plane, {@code apiserver ...}, {@code scheduler ...} and {@code
 * controller-manager ...}; {@code kubelet ...} and {@code proxy ...} (the node agents, until
 * {@code jk agent} runs them).
 */
public final class LabProcessMain {
  private LabProcessMain() {}

  /** Runs the component named by the first argument with the remaining arguments. */
  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "jk-logback.xml");
    }
    if (args.length == 0) {
      System.err.println("usage: LabProcessMain server|apiserver|scheduler|controller-manager|kubelet|proxy ARGS...");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    int code = switch (args[0]) {
      case "server", "apiserver", "scheduler", "controller-manager" -> JkCommand.commandLine().execute(args);
      case "kubelet" -> new CommandLine(new KubeletCommand()).execute(rest);
      case "proxy" -> new CommandLine(new ProxyCommand()).execute(rest);
      default -> {
        System.err.println("unknown lab component " + args[0]);
        yield 2;
      }
    };
    System.exit(code);
  }
}

package io.jk.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl scale}: sets replicas through the {@code scale} subresource. */
@Command(name = "scale", description = "Set a new size for a deployment, replica set or stateful set.")
final class ScaleCommand extends Base {

  @Parameters(arity = "1..*", paramLabel = "TYPE NAME | TYPE/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = "--replicas", required = true, description = "The new number of replicas.")
  int replicas;

  @Override
  void run() {
    if (replicas < 0) {
      throw new CliException("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    }
    for (ObjectRef r : refs(args)) {
      mergePatch(r.path() + "/scale", Map.of("spec", Map.of("replicas", replicas)));
      out().println(r.display() + " scaled");
    }
  }
}

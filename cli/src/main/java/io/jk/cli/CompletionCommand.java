package io.jk.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jkctl completion bash|zsh}: a completion script generated from the command tree. */
@Command(name = "completion", description = "Output shell completion code for bash or zsh.")
final class CompletionCommand extends Base {

  @Parameters(arity = "1", paramLabel = "SHELL", description = "bash or zsh")
  String shell;

  @Override
  void run() {
    CommandLine rootLine = spec.root().commandLine();
    String script = AutoComplete.bash("jkctl", rootLine);
    switch (shell) {
      case "bash" -> out().print(script);
      case "zsh" -> {
        out().println("#compdef jkctl");
        out().println("autoload -U +X bashcompinit && bashcompinit");
        out().print(script);
      }
      default -> throw new CliException("Unsupported shell type \"" + shell + "\".");
    }
  }
}

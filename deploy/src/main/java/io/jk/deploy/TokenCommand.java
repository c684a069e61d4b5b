package io.jk.deploy;

import io.jk.common.config.Durations;

import io.jk.apiserver.auth.JoinTokens;
import io.jk.deploy.server.ServerCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jk token create|list|delete}: the join tokens of a server, kept in
 * {@code <data-dir>/join-tokens} (digests only). Run on the server machine; a running
 * {@code jk server} sees the change at the next join.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manages the tokens with which nodes join.",
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Delete.class})
public final class TokenCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.err.println("error: say what to do: jk token create|list|delete (see jk token --help)");
    return 2;
  }

  /** Options every token command shares. */
  static class DataDir {
    @Option(names = "--data-dir", description = "The server's state directory. Default: ${DEFAULT-VALUE}")
    Path dataDir = Path.of("/var/lib/jk/server");

    JoinTokens tokens() {
      return new JoinTokens(dataDir.resolve("join-tokens"));
    }
  }

  /** {@code jk token create [--ttl 24h]}. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a join token and prints it (only now).")
  static final class Create implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DataDir dir = new DataDir();

    @Option(names = "--ttl", description = "How long the token is valid (e.g. 30m, 24h); 0 for ever. Default: ${DEFAULT-VALUE}")
    String ttl = "24h";

    @Override
    public Integer call() throws Exception {
      Duration d;
      try {
        d = "0".equals(ttl) ? Duration.ZERO : Durations.parse(ttl);
      } catch (IllegalArgumentException e) {
        System.err.println("error: --ttl: " + e.getMessage());
        return 2;
      }
      System.out.println(dir.tokens().create(d));
      return 0;
    }
  }

  /** {@code jk token list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the join tokens (ids and expiry, never secrets).")
  static final class ListTokens implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DataDir dir = new DataDir();

    @Override
    public Integer call() throws Exception {
      System.out.printf("%-8s %s%n", "ID", "EXPIRES");
      Instant now = Instant.now();
      for (JoinTokens.StoredToken t : dir.tokens().list()) {
        String expires = t.expires() == null ? "never" : t.expires() + (t.expiredAt(now) ? " (expired)" : "");
        System.out.printf("%-8s %s%n", t.id(), expires);
      }
      return 0;
    }
  }

  /** {@code jk token delete ID}. */
  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a join token: it can no longer join nodes.")
  static final class Delete implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    DataDir dir = new DataDir();

    @Parameters(paramLabel = "ID", description = "The token's id (the part before the dot).")
    String id;

    @Override
    public Integer call() throws Exception {
      String tokenId = id.contains(".") ? id.substring(0, id.indexOf('.')) : id;
      if (!dir.tokens().revoke(tokenId)) {
        System.err.println("error: no join token " + tokenId);
        return 1;
      }
      System.out.println("join token " + tokenId + " deleted");
      return 0;
    }
  }
}

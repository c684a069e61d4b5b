package io.jk.cli;

/**
 * Where a command's {@link ApiClient} comes from. A jkctl process makes a new one per command;
 * the jkctl daemon lends warm ones (TLS context made, connection open) kept per kubeconfig
 * context, and takes them back when the command ends.
 */
@FunctionalInterface
public interface ApiClients {

  /** A new client per call: what a jkctl process uses. */
  ApiClients NEW = ApiClient::new;

  /**
   * A client for {@code target}, used by one command at a time.
   *
   * @throws CliException when the target's credentials or TLS material are unusable
   */
  ApiClient open(Kubeconfig.Target target);
}

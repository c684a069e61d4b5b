package io.jk.cli;

/** jkctl's own version. */
public final class Version {

  /** The client version reported by {@code jkctl version}. */
  public static final String VERSION = "v1.32.0-jk.0.1.0";

  private Version() {}
}

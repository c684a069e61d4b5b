package io.jk.cli;

/** A failure jkctl reports as {@code error: <message>} with a non-zero exit code. */
public class CliException extends RuntimeException {

  private final int exitCode;

  /** A failure with exit code 1. */
  public CliException(String message) {
    this(message, 1);
  }

  /** A failure with the given exit code. */
  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  /** A failure whose messages were already printed: exit code 1 and nothing more on stderr. */
  public static CliException silent() {
    return new CliException("") {
      @Override
      public String userMessage() {
        return "";
      }
    };
  }

  /** The process exit code for this failure. */
  public int exitCode() {
    return exitCode;
  }

  /** The line printed on stderr, as kubectl words it. */
  public String userMessage() {
    return "error: " + getMessage();
  }
}

package io.jk.apiserver.selection;

/**
 * A label or field selector that cannot be parsed or used. The message is Kubernetes' own text
 * (e.g. {@code unable to parse requirement: found 'b', expected: '('} or
 * {@code field label not supported: foo}); the REST layer answers it with 400 BadRequest.
 */
public final class SelectorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A selector error with Kubernetes' message. */
  public SelectorException(String message) {
    super(message);
  }
}

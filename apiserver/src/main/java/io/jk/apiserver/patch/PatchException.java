package io.jk.apiserver.patch;

/**
 * A patch that could not be applied. {@link #statusCode()} says how the REST layer answers it:
 * 400 BadRequest when the patch document itself is malformed (not a list of operations, an
 * unknown op or directive, a bad pointer), 422 Unprocessable Entity when a well-formed patch
 * does not apply to this object (a JSON Patch {@code test} failed, a path is missing, an index
 * is out of bounds).
 */
public final class PatchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;

  private PatchException(int statusCode, String message) {
    super(message);
    this.statusCode = statusCode;
  }

  /** The patch document is malformed: 400 BadRequest. */
  public static PatchException badRequest(String message) {
    return new PatchException(400, message);
  }

  /** The patch is well-formed but does not apply to the object: 422 Unprocessable Entity. */
  public static PatchException unprocessable(String message) {
    return new PatchException(422, message);
  }

  /** 400 or 422. */
  public int statusCode() {
    return statusCode;
  }

  /** Whether this is a 422 (patch does not apply) rather than a 400 (malformed patch). */
  public boolean isUnprocessable() {
    return statusCode == 422;
  }
}

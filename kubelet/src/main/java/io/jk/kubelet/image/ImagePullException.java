package io.jk.kubelet.image;

/** An image could not be made present; the message is what the pod status shows. */
public class ImagePullException extends RuntimeException {

  /** Why. */
  public enum Kind {
    /** The registry or the network failed (ErrImagePull, then ImagePullBackOff). */
    PULL_FAILED,
    /** Policy Never and the image is not on the node (ErrImageNeverPull). */
    NEVER_PULL,
    /** The reference cannot be parsed (InvalidImageName). */
    INVALID_NAME
  }

  private final Kind kind;

  public ImagePullException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}

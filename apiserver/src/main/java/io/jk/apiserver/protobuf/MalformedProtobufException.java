package io.jk.apiserver.protobuf;

/** A protobuf body that does not follow the wire format or the Kubernetes envelope. */
public final class MalformedProtobufException extends RuntimeException {

  /** An exception with a message saying what is wrong with the body. */
  public MalformedProtobufException(String message) {
    super(message);
  }
}

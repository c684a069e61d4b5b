package io.jk.kubelet.container;

/** The OCI runtime or the shim refused; the message is the runtime's own error text. */
public class RuntimeFailure extends RuntimeException {
  public RuntimeFailure(String message) {
    super(message);
  }
}

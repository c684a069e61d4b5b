package io.jk.kubelet.container;

/** A container cannot be configured (a missing ConfigMap key, runAsNonRoot with a root image...): CreateContainerConfigError. */
public class ContainerConfigException extends RuntimeException {
  public ContainerConfigException(String message) {
    super(message);
  }
}

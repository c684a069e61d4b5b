package io.jk.kubelet.container;

import java.time.Instant;

/**
 * What the node knows of one container instance (one attempt), read from the files its shim
 * keeps in the instance's directory: {@code shim.pid}, {@code container.pid}, {@code started.json}
 * and, once it ended, {@code exit.json}.
 *
 * @param status running, exited, or unknown (the shim died without writing an exit file)
 * @param exitCode the exit code (128 + signal when killed), or -1 while running
 * @param reason for an exited instance: {@code Completed}, {@code Error}, {@code OOMKilled} or
 *     {@code StartError}; {@code null} while running
 * @param message a message for the status ({@code null} if none)
 * @param startedAt when the process started, or {@code null}
 * @param finishedAt when it ended, or {@code null}
 * @param pid the container's init process on the host, 0 when unknown
 */
public record ContainerState(Status status, int exitCode, String reason, String message, Instant startedAt,
    Instant finishedAt, int pid) {

  /** The coarse state of an instance. */
  public enum Status { RUNNING, EXITED, UNKNOWN }

  public boolean running() {
    return status == Status.RUNNING;
  }
}

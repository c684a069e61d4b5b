package io.jk.kubelet.server;

import java.nio.file.Path;

/**
 * One container instance on this node.
 *
 * @param containerId the runtime's container id
 * @param logPath its log file in the CRI log format (rotated files beside it end in {@code .1}, {@code .2}, ...)
 * @param running whether the process is still running (a follower of the log stops when it is not)
 * @param runtimePath the OCI runtime binary that runs it ({@code jkrt} or {@code runc}), for {@code exec}
 * @param runtimeRoot the runtime's {@code --root} state directory
 * @param cgroupPath the container's cgroup path relative to each hierarchy's root, for stats
 */
public record ContainerHandle(String containerId, Path logPath, boolean running, Path runtimePath,
    Path runtimeRoot, String cgroupPath) {}

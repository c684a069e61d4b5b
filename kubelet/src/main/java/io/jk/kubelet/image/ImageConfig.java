package io.jk.kubelet.image;

import java.util.List;
import java.util.Map;

/**
 * The parts of an OCI image config that decide how a container runs.
 *
 * @param entrypoint {@code Entrypoint} (empty when unset)
 * @param cmd {@code Cmd} (empty when unset)
 * @param env {@code Env} as {@code NAME=value}
 * @param workingDir {@code WorkingDir} ({@code ""} when unset)
 * @param user {@code User} ({@code ""} when unset)
 * @param exposedPorts {@code ExposedPorts} keys, e.g. {@code 80/tcp}
 * @param labels {@code Labels}
 * @param stopSignal {@code StopSignal} ({@code ""} when unset)
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir,
    String user, List<String> exposedPorts, Map<String, String> labels, String stopSignal) {}

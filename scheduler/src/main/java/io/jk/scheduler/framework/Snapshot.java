package io.jk.scheduler.framework;

import java.util.List;

/** The nodes a scheduling cycle sees, in a stable order. */
public record Snapshot(List<NodeInfo> nodes) {}

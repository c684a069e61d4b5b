package io.jk.scheduler.framework;

/** A scheduling plugin: one or more extension points behind a name used in configuration. */
public interface Plugin {
  /** The plugin's name as KubeSchedulerConfiguration spells it, e.g. {@code NodeResourcesFit}. */
  String name();
}

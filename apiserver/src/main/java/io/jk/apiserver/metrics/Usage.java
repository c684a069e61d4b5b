package io.jk.apiserver.metrics;

/**
 * One usage sample: CPU in nanocores (a rate over the sampling window) and memory working set in
 * bytes.
 *
 * @param nanoCores CPU usage rate
 * @param workingSetBytes memory working set
 */
public record Usage(long nanoCores, long workingSetBytes) {

  /** The sum of this and {@code other}. */
  public Usage plus(Usage other) {
    return new Usage(nanoCores + other.nanoCores, workingSetBytes + other.workingSetBytes);
  }
}

package io.jk.controllers.podautoscaler;

import java.util.Map;

/**
 * Where the autoscaler reads pods' resource usage: in production the resource metrics API
 * ({@code metrics.k8s.io/v1beta1}, {@link MetricsApiSource}); in tests a source the test controls.
 */
public interface PodMetricsSource {

  /**
   * The usage of {@code resource} ({@code cpu} or {@code memory}) of each pod in
   * {@code namespace} matching {@code selector} (a label selector string as a Scale's
   * {@code status.selector}), by pod name, in thousandths of the unit (millicores; bytes times
   * 1000), summed over the pod's containers. Pods without a sample are absent from the map.
   *
   * @throws Exception when the metrics cannot be read at all (the autoscaler then reports
   *     {@code ScalingActive=False} and does not scale)
   */
  Map<String, Long> podUsage(String namespace, String selector, String resource) throws Exception;
}

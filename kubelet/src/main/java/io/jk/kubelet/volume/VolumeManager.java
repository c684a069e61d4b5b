package io.jk.kubelet.volume;

import io.fabric8.kubernetes.api.model.Pod;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes a pod's volumes real on the node: emptyDir (disk and Memory), hostPath, configMap, secret,
 * downwardAPI and projected, under {@code <root-dir>/pods/<uid>/volumes/}.
 */
public interface VolumeManager {

  /**
   * Prepares every volume of {@code pod} (reading ConfigMaps and Secrets through the API).
   *
   * @return the host directory or file of each volume, by volume name; fails with a message the
   *     kubelet reports in a {@code FailedMount} event (e.g. {@code configmap "cfg" not found})
   */
  Future<Map<String, Path>> setUp(Pod pod);

  /** Refreshes the content of configMap, secret, downwardAPI and projected volumes of a running pod. */
  Future<Void> refresh(Pod pod);

  /** Unmounts and removes every volume of the pod with uid {@code podUid}; idempotent. */
  Future<Void> tearDown(String podUid);
}

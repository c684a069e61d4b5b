/**
 * Pod volumes: {@link io.jk.kubelet.volume.DefaultVolumeManager} (emptyDir, hostPath, configMap,
 * secret, downwardAPI, projected) and {@link io.jk.kubelet.volume.AtomicWriter}, which swaps a
 * volume's whole payload with one rename of the {@code ..data} symlink.
 */
package io.jk.kubelet.volume;

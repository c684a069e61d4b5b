package io.jk.kubelet.image;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The node's images: pulled from registries speaking the OCI distribution API or imported from
 * archives, stored by digest once per node, unpacked into shared read-only layer directories.
 *
 * <p>Blocking work (network, unpacking) runs on the service's own threads; futures complete there.
 */
public interface ImageService {

  /**
   * Makes {@code reference} (e.g. {@code busybox}, {@code 127.0.0.1:5000/web:1}, {@code repo@sha256:...})
   * present on the node as {@code policy} says.
   *
   * @param credentials registry credentials from the pod's {@code imagePullSecrets} (may be empty)
   * @return the image; fails with {@link ImagePullException} whose message is what the pod's
   *     {@code ErrImagePull} status shows (e.g. the registry's own error text), or with
   *     {@link ImagePullException} of kind {@code NEVER_PULL} for policy Never and a missing image
   */
  Future<Image> ensureImage(String reference, PullPolicy policy, List<RegistryCredential> credentials);

  /** The image stored under {@code reference} or its digest, if present. */
  Optional<Image> find(String reference);

  /** Every stored image. */
  List<Image> list();

  /**
   * Imports every image of an OCI image layout or {@code docker save} archive (tar, optionally gzipped).
   *
   * @return the imported images; fails with {@link ImagePullException} when the archive is not one
   */
  default Future<List<Image>> importArchive(java.nio.file.Path archive) {
    return Future.failedFuture(new UnsupportedOperationException("this image service cannot import archives"));
  }

  /**
   * Removes images no container on the node uses when the disk is fuller than the service's
   * threshold (the kubelet calls it periodically).
   *
   * @param inUse references or image ids of the node's pods' containers; never removed
   * @return the references removed (none by default: a service without garbage collection)
   */
  default Future<List<String>> collectGarbage(Set<String> inUse) {
    return Future.succeededFuture(List.of());
  }
}

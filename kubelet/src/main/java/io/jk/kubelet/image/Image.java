package io.jk.kubelet.image;

import java.nio.file.Path;
import java.util.List;

/**
 * An image present on the node.
 *
 * @param reference the normalized reference it was pulled or imported as (e.g. {@code docker.io/library/busybox:latest})
 * @param id the image id: the digest of its config ({@code sha256:...}), as {@code status.containerStatuses[].imageID} shows
 * @param repoDigest {@code repository@sha256:<manifest digest>}, or {@code null} for an imported image without one
 * @param layers the unpacked, read-only layer directories, bottom layer first (overlayfs lower dirs in reverse)
 * @param config the image's runtime defaults
 * @param sizeBytes the unpacked size, for garbage collection
 */
public record Image(String reference, String id, String repoDigest, List<Path> layers, ImageConfig config, long sizeBytes) {}

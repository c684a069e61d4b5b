/**
 * Images on the node: {@link io.jk.kubelet.image.OciImageService} pulls from OCI distribution
 * registries (anonymous, bearer-token challenge, basic auth; manifest lists for linux/amd64;
 * Docker schema 2 and OCI manifests) or imports OCI-layout / {@code docker save} archives, stores
 * blobs once by digest and unpacks each layer once ({@link io.jk.kubelet.image.LayerUnpacker});
 * {@link io.jk.kubelet.image.OverlayRootfsManager} gives each container an overlayfs root over
 * them. {@link io.jk.kubelet.image.NodeIoProvider} wires these, CNI and volumes into the kubelet.
 */
package io.jk.kubelet.image;

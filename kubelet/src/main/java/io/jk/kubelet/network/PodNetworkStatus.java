package io.jk.kubelet.network;

import java.util.List;

/**
 * The addresses CNI gave a pod.
 *
 * @param ips the pod's IPs, the primary first (what {@code status.podIP(s)} shows)
 * @param gateway the default gateway inside the pod, if the plugin reported one
 */
public record PodNetworkStatus(List<String> ips, String gateway) {}

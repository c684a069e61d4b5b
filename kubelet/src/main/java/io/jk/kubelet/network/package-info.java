/**
 * Pod networking through CNI 1.0 plugins: {@link io.jk.kubelet.network.CniPodNetwork} runs ADD,
 * CHECK and DEL with the conf dir's first {@code .conflist} or a default bridge + host-local +
 * loopback list for the node's pod CIDR, caching ADD results for DEL and CHECK, optionally inside
 * a node network namespace.
 */
package io.jk.kubelet.network;

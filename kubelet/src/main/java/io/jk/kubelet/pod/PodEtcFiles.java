package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The contents of a pod's {@code /etc/hostname}, {@code /etc/hosts} and {@code /etc/resolv.conf}, as the kubelet writes them. Pure except for reading the node's resolv.conf. */
final class PodEtcFiles {
  private PodEtcFiles() {}

  static String hostname(Pod pod) {
    String h = pod.getSpec().getHostname();
    String name = h != null && !h.isEmpty() ? h : pod.getMetadata().getName();
    return name.length() > 63 ? name.substring(0, 63) : name;
  }

  static String resolvConf(Pod pod) {
    var cfg = pod.getSpec().getDnsConfig();
    StringBuilder sb = new StringBuilder();
    String ns = pod.getMetadata().getNamespace();
    List<String> search = new ArrayList<>(List.of(ns + ".svc.cluster.local", "svc.cluster.local", "cluster.local"));
    List<String> servers = new ArrayList<>();
    if (cfg != null) {
      servers.addAll(list(cfg.getNameservers()));
      search.addAll(list(cfg.getSearches()));
    }
    if ("None".equals(pod.getSpec().getDnsPolicy())) {
      search.removeIf(s -> s.endsWith("cluster.local"));
    } else if (servers.isEmpty()) {
      // no cluster DNS is configured: the node's resolvers, as the kubelet does without --cluster-dns
      try {
        for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
          String[] f = line.trim().split("\\s+");
          if (f.length >= 2 && f[0].equals("nameserver")) {
            servers.add(f[1]);
          } else if (f.length >= 2 && f[0].equals("search")) {
            search.addAll(List.of(f).subList(1, f.length));
          }
        }
      } catch (IOException e) {
        // no host resolvers
      }
    }
    if (!servers.isEmpty()) {
      servers.forEach(s -> sb.append("nameserver ").append(s).append('\n'));
    }
    if (!search.isEmpty()) {
      sb.append("search ").append(String.join(" ", search)).append('\n');
    }
    sb.append("options ndots:5\n");
    return sb.toString();
  }

  static String hosts(Pod pod, String hostname, List<String> ips) {
    StringBuilder sb = new StringBuilder("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    String sub = pod.getSpec().getSubdomain();
    String fqdn = sub != null && !sub.isEmpty() ? "\t" + hostname + "." + sub + "." + pod.getMetadata().getNamespace()
        + ".svc.cluster.local" : "";
    for (String ip : ips) {
      sb.append(ip).append(fqdn).append('\t').append(hostname).append('\n');
    }
    for (var ha : list(pod.getSpec().getHostAliases())) {
      sb.append(ha.getIp()).append('\t').append(String.join("\t", list(ha.getHostnames()))).append('\n');
    }
    return sb.toString();
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}

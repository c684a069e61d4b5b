package io.jk.kubelet.container;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.resources.Quantities;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A container's environment as Kubernetes builds it: {@code envFrom} first (with prefixes), then
 * {@code env} in order, each value {@code $(VAR)}-expanded against the variables before it, with
 * {@code valueFrom} fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef. Blocking (reads
 * ConfigMaps and Secrets through the API).
 */
public final class EnvResolver {
  private final KubernetesClient client;

  public EnvResolver(KubernetesClient client) {
    this.client = client;
  }

  /**
   * @param hostIp the node's IP ({@code status.hostIP})
   * @param podIp the pod's IP, or {@code ""}
   * @param nodeAllocatable cpu (milli) and memory (bytes) a limit defaults to when unset
   * @throws ContainerConfigException when a referenced object or key is missing and not optional
   */
  public Map<String, String> resolve(Pod pod, Container c, String hostIp, String podIp, long nodeCpuMilli, long nodeMemory) {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, ConfigMap> cms = new LinkedHashMap<>();
    Map<String, Secret> secrets = new LinkedHashMap<>();
    Function<String, ConfigMap> cm = name -> cms.computeIfAbsent(name,
        n -> client.configMaps().inNamespace(ns).withName(n).get());
    Function<String, Secret> secret = name -> secrets.computeIfAbsent(name,
        n -> client.secrets().inNamespace(ns).withName(n).get());
    if (c.getEnvFrom() != null) {
      for (EnvFromSource from : c.getEnvFrom()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        if (from.getConfigMapRef() != null) {
          ConfigMap m = cm.apply(from.getConfigMapRef().getName());
          if (m == null) {
            if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
              throw new ContainerConfigException("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
            }
          } else if (m.getData() != null) {
            m.getData().forEach((k, v) -> env.put(prefix + k, v));
          }
        }
        if (from.getSecretRef() != null) {
          Secret s = secret.apply(from.getSecretRef().getName());
          if (s == null) {
            if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
              throw new ContainerConfigException("secret \"" + from.getSecretRef().getName() + "\" not found");
            }
          } else {
            secretData(s).forEach((k, v) -> env.put(prefix + k, v));
          }
        }
      }
    }
    if (c.getEnv() != null) {
      for (EnvVar v : c.getEnv()) {
        EnvVarSource src = v.getValueFrom();
        if (src == null) {
          env.put(v.getName(), expand(v.getValue() == null ? "" : v.getValue(), env));
          continue;
        }
        String value = null;
        if (src.getFieldRef() != null) {
          value = field(pod, src.getFieldRef(), hostIp, podIp);
        } else if (src.getResourceFieldRef() != null) {
          value = resource(pod, c, src.getResourceFieldRef(), nodeCpuMilli, nodeMemory);
        } else if (src.getConfigMapKeyRef() != null) {
          var ref = src.getConfigMapKeyRef();
          ConfigMap m = cm.apply(ref.getName());
          value = m == null || m.getData() == null ? null : m.getData().get(ref.getKey());
          if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
            throw new ContainerConfigException(m == null ? "configmap \"" + ref.getName() + "\" not found"
                : "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
          }
        } else if (src.getSecretKeyRef() != null) {
          var ref = src.getSecretKeyRef();
          Secret s = secret.apply(ref.getName());
          value = s == null ? null : secretData(s).get(ref.getKey());
          if (value == null && !Boolean.TRUE.equals(ref.getOptional())) {
            throw new ContainerConfigException(s == null ? "secret \"" + ref.getName() + "\" not found"
                : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
          }
        }
        if (value != null) {
          env.put(v.getName(), value);
        }
      }
    }
    return env;
  }

  private static Map<String, String> secretData(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  static String field(Pod pod, ObjectFieldSelector ref, String hostIp, String podIp) {
    String path = ref.getFieldPath();
    var md = pod.getMetadata();
    if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
      String key = path.substring(17, path.length() - 2);
      return md.getLabels() == null ? "" : md.getLabels().getOrDefault(key, "");
    }
    if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
      String key = path.substring(22, path.length() - 2);
      return md.getAnnotations() == null ? "" : md.getAnnotations().getOrDefault(key, "");
    }
    return switch (path) {
      case "metadata.name" -> md.getName();
      case "metadata.namespace" -> md.getNamespace();
      case "metadata.uid" -> md.getUid();
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName() == null ? "" : pod.getSpec().getServiceAccountName();
      case "status.hostIP", "status.hostIPs" -> hostIp;
      case "status.podIP", "status.podIPs" -> podIp;
      default -> throw new ContainerConfigException("unsupported fieldRef " + path);
    };
  }

  static String resource(Pod pod, Container self, ResourceFieldSelector ref, long nodeCpuMilli, long nodeMemory) {
    Container c = self;
    if (ref.getContainerName() != null && !ref.getContainerName().isEmpty()) {
      c = pod.getSpec().getContainers().stream().filter(x -> x.getName().equals(ref.getContainerName())).findFirst()
          .orElseThrow(() -> new ContainerConfigException("resourceFieldRef names unknown container " + ref.getContainerName()));
    }
    String res = ref.getResource();
    boolean limit = res.startsWith("limits.");
    String name = res.substring(res.indexOf('.') + 1);
    Map<String, Quantity> m = c.getResources() == null ? null
        : limit ? c.getResources().getLimits() : c.getResources().getRequests();
    Quantity q = m == null ? null : m.get(name);
    long divisorMilli = ref.getDivisor() == null ? 1000 : Math.max(1, Quantities.milli(ref.getDivisor()));
    long milli;
    if (q != null) {
      milli = Quantities.milli(q);
    } else if (name.equals("cpu")) {
      milli = limit ? nodeCpuMilli : 0;
    } else if (name.equals("memory")) {
      milli = limit ? nodeMemory * 1000 : 0;
    } else {
      milli = 0;
    }
    // Kubernetes rounds up (e.g. a 250m cpu limit with divisor 1 is "1")
    return Long.toString((milli + divisorMilli - 1) / divisorMilli);
  }

  /** {@code $(VAR)} expansion as Kubernetes does it: {@code $$} escapes, unknown names stay as written. */
  public static String expand(String s, Map<String, String> env) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '$' && i + 1 < s.length()) {
        char n = s.charAt(i + 1);
        if (n == '$') {
          out.append('$');
          i++;
          continue;
        }
        if (n == '(') {
          int close = s.indexOf(')', i + 2);
          if (close > 0) {
            String name = s.substring(i + 2, close);
            if (env.containsKey(name)) {
              out.append(env.get(name));
            } else {
              out.append(s, i, close + 1);
            }
            i = close;
            continue;
          }
        }
      }
      out.append(ch);
    }
    return out.toString();
  }
}

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
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.resources.Quantities;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A container's environment as Kubernetes builds it: {@code envFrom} first (with prefixes), then
 * {@code env} in order, each value {@code $(VAR)}-expanded against the variables before it and the
 * service variables, with {@code valueFrom} fieldRef, resourceFieldRef, configMapKeyRef and
 * secretKeyRef; then the service variables the container does not set itself (see {@link
 * #serviceEnv}): those of the {@code kubernetes} Service in {@code default} always, those of the
 * pod's namespace's Services unless {@code enableServiceLinks: false}. Blocking (reads ConfigMaps,
 * Secrets and Services through the API); when Services cannot be read, the container starts
 * without their variables (logged).
 */
public final class EnvResolver {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnvResolver.class);
  private final KubernetesClient client;
  private final Function<String, List<Service>> servicesIn;

  /** A resolver reading ConfigMaps, Secrets and (per container) Services through the API. */
  public EnvResolver(KubernetesClient client) {
    this(client, ns -> client.services().inNamespace(ns).list().getItems());
  }

  /**
   * A resolver taking a namespace's Services from {@code servicesIn} (the kubelet's Service
   * informer, as Kubernetes' kubelet uses its service lister: no API request per container start).
   */
  public EnvResolver(KubernetesClient client, Function<String, List<Service>> servicesIn) {
    this.client = client;
    this.servicesIn = servicesIn;
  }

  /**
   * @param hostIp the node's IP ({@code status.hostIP})
   * @param podIp the pod's IP, or {@code ""}
   * @param nodeAllocatable cpu (milli) and memory (bytes) a limit defaults to when unset
   * @throws ContainerConfigException when a referenced object or key is missing and not optional
   */
  public Map<String, String> resolve(Pod pod, Container c, String hostIp, String podIp, long nodeCpuMilli, long nodeMemory) {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> services = serviceEnv(pod);
    // what $(VAR) sees: the container's variables so far, then the services'
    Map<String, String> scope = new LinkedHashMap<>(services);
    Map<String, String> env = new LinkedHashMap<>() {
      @Override
      public String put(String key, String value) {
        scope.put(key, value);
        return super.put(key, value);
      }
    };
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
          env.put(v.getName(), expand(v.getValue() == null ? "" : v.getValue(), scope));
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
    Map<String, String> result = new LinkedHashMap<>(env);
    services.forEach(result::putIfAbsent);
    return result;
  }

  /** The service variables of {@code pod}, read through the API (empty when that fails). */
  private Map<String, String> serviceEnv(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    boolean links = pod.getSpec().getEnableServiceLinks() == null || pod.getSpec().getEnableServiceLinks();
    // serviceEnv(...) keeps only default/kubernetes of the first list, and the namespace's with links
    List<Service> services = new ArrayList<>();
    try {
      services.addAll(servicesIn.apply(MASTER_NAMESPACE));
      if (links && !ns.equals(MASTER_NAMESPACE)) {
        services.addAll(servicesIn.apply(ns));
      }
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      LOG.warn("Services unreadable, container gets no service variables pod={}/{} err=\"{}\"", ns,
          pod.getMetadata().getName(), e.getMessage());
      return Map.of();
    }
    return serviceEnv(services, ns, links);
  }

  /** The namespace of the API server's Service. */
  static final String MASTER_NAMESPACE = "default";
  /** The API server's Service, whose variables every container gets. */
  static final String MASTER_SERVICE = "kubernetes";

  /**
   * Kubernetes' service environment variables ({@code pkg/kubelet/envvars}) for a pod in {@code
   * namespace}: for {@code kubernetes} in {@code default} always, and with {@code
   * enableServiceLinks} for every Service of the namespace (one of the namespace named {@code
   * kubernetes} wins over the master's). Services without a cluster IP ({@code None}, empty) are
   * skipped. For Service {@code my-svc} at 10.0.0.5 with port {@code http} 80/TCP:
   * <pre>
   * MY_SVC_SERVICE_HOST=10.0.0.5  MY_SVC_SERVICE_PORT=80  MY_SVC_SERVICE_PORT_HTTP=80
   * MY_SVC_PORT=tcp://10.0.0.5:80  MY_SVC_PORT_80_TCP=tcp://10.0.0.5:80  MY_SVC_PORT_80_TCP_PROTO=tcp
   * MY_SVC_PORT_80_TCP_PORT=80  MY_SVC_PORT_80_TCP_ADDR=10.0.0.5
   * </pre>
   * Services are taken in name order.
   */
  public static Map<String, String> serviceEnv(List<Service> services, String namespace, boolean enableServiceLinks) {
    java.util.TreeMap<String, Service> byName = new java.util.TreeMap<>();
    for (Service s : services) {
      if (s.getMetadata() == null || s.getSpec() == null) {
        continue;
      }
      String name = s.getMetadata().getName();
      String sns = s.getMetadata().getNamespace();
      if (MASTER_NAMESPACE.equals(sns) && MASTER_SERVICE.equals(name)) {
        byName.putIfAbsent(name, s);
      } else if (enableServiceLinks && namespace.equals(sns)) {
        byName.put(name, s);
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Service s : byName.values()) {
      String ip = s.getSpec().getClusterIP();
      List<ServicePort> ports = s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
      if (ip == null || ip.isEmpty() || ip.equals("None") || ports.isEmpty()) {
        continue;
      }
      String prefix = s.getMetadata().getName().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
      env.put(prefix + "_SERVICE_HOST", ip);
      env.put(prefix + "_SERVICE_PORT", String.valueOf(ports.get(0).getPort()));
      for (ServicePort p : ports) {
        if (p.getName() != null && !p.getName().isEmpty()) {
          env.put(prefix + "_SERVICE_PORT_" + p.getName().toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
              String.valueOf(p.getPort()));
        }
      }
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      for (int i = 0; i < ports.size(); i++) {
        ServicePort p = ports.get(i);
        String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
        String lower = protocol.toLowerCase(java.util.Locale.ROOT);
        String url = lower + "://" + host + ":" + p.getPort();
        if (i == 0) {
          env.put(prefix + "_PORT", url);
        }
        String portPrefix = prefix + "_PORT_" + p.getPort() + "_" + protocol.toUpperCase(java.util.Locale.ROOT);
        env.put(portPrefix, url);
        env.put(portPrefix + "_PROTO", lower);
        env.put(portPrefix + "_PORT", String.valueOf(p.getPort()));
        env.put(portPrefix + "_ADDR", ip);
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

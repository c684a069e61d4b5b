package io.jk.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.pods.LabelSelectors;
import io.jk.controllers.pods.Owners;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the endpoints of every Service with a selector ({@code pkg/controller/endpointslice}
 * and {@code pkg/controller/endpoint}): one EndpointSlice labelled
 * {@code kubernetes.io/service-name} (owned by the Service) holding every matching pod with an IP,
 * with conditions ready/serving/terminating and ports resolved from named targetPorts; and the
 * v1 Endpoints object of the same name (ready addresses and notReadyAddresses) for older clients.
 */
public final class EndpointSliceController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(EndpointSliceController.class);
  /** The label naming a slice's Service. */
  public static final String SERVICE_NAME = "kubernetes.io/service-name";
  /** The label saying who manages a slice. */
  public static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
  static final String CONTROLLER_NAME = "endpointslice-controller.k8s.io";

  private final KubernetesClient client;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<EndpointSlice> slices;
  private final Controller controller;

  /** A controller over the given informers. */
  public EndpointSliceController(KubernetesClient client, SharedIndexInformer<Service> services, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<EndpointSlice> slices, MeterRegistry registry, int workers) {
    this.client = client;
    this.services = services;
    this.pods = pods;
    this.slices = slices;
    this.controller = Controller.builder("endpointslice", this, registry).workers(workers)
        .watch(services)
        .watch(pods, this::servicesFor)
        .watch(slices, s -> {
          String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME);
          return svc == null ? List.of() : List.of(s.getMetadata().getNamespace() + "/" + svc);
        })
        .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  private List<String> servicesFor(Pod pod) {
    List<String> keys = new ArrayList<>();
    for (Service s : services.getIndexer().byIndex(Cache.NAMESPACE_INDEX, pod.getMetadata().getNamespace())) {
      Map<String, String> sel = s.getSpec() == null ? null : s.getSpec().getSelector();
      if (sel != null && !sel.isEmpty() && matches(sel, pod.getMetadata().getLabels())) {
        keys.add(Controller.keyOf(s));
      }
    }
    return keys;
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return labels != null && labels.entrySet().containsAll(selector.entrySet());
  }

  @Override
  public Result reconcile(String key) {
    String ns = Controller.namespaceOf(key);
    String name = Controller.nameOf(key);
    Service svc = services.getStore().getByKey(key);
    List<EndpointSlice> existing = slices.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
        .filter(s -> s.getMetadata().getLabels() != null && name.equals(s.getMetadata().getLabels().get(SERVICE_NAME))
            && CONTROLLER_NAME.equals(s.getMetadata().getLabels().get(MANAGED_BY)))
        .toList();
    if (svc == null || svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
      for (EndpointSlice s : existing) {
        deleteQuietly(() -> client.discovery().v1().endpointSlices().inNamespace(ns).withName(s.getMetadata().getName()).delete());
      }
      if (svc == null) {
        Endpoints ep = client.endpoints().inNamespace(ns).withName(name).get();
        if (ep != null && ep.getMetadata().getLabels() != null && CONTROLLER_NAME.equals(ep.getMetadata().getLabels().get(MANAGED_BY))) {
          deleteQuietly(() -> client.endpoints().inNamespace(ns).withName(name).delete());
        }
      }
      return Result.done();
    }
    List<Pod> selected = pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
        .filter(p -> matches(svc.getSpec().getSelector(), p.getMetadata().getLabels()))
        .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null && !p.getStatus().getPodIP().isEmpty())
        .filter(p -> !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase()))
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
    List<Endpoint> endpoints = new ArrayList<>();
    List<EndpointAddress> ready = new ArrayList<>();
    List<EndpointAddress> notReady = new ArrayList<>();
    for (Pod p : selected) {
      boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
      boolean podReady = Pods.isReady(p);
      endpoints.add(new EndpointBuilder()
          .withAddresses(p.getStatus().getPodIP())
          .withNewConditions().withReady(podReady && !terminating).withServing(podReady).withTerminating(terminating).endConditions()
          .withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
          .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(ns).withName(p.getMetadata().getName())
              .withUid(p.getMetadata().getUid()).build())
          .build());
      if (!terminating) {
        EndpointAddress a = new EndpointAddressBuilder().withIp(p.getStatus().getPodIP())
            .withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
            .withNewTargetRef().withKind("Pod").withNamespace(ns).withName(p.getMetadata().getName()).withUid(p.getMetadata().getUid()).endTargetRef()
            .build();
        (podReady ? ready : notReady).add(a);
      }
    }
    List<EndpointPort> ports = resolvePorts(svc, selected);
    String sliceName = name + "-" + svc.getMetadata().getUid().replace("-", "").substring(0, 5);
    EndpointSlice desired = new EndpointSliceBuilder()
        .withNewMetadata().withName(sliceName).withNamespace(ns)
        .addToLabels(SERVICE_NAME, name).addToLabels(MANAGED_BY, CONTROLLER_NAME)
        .withOwnerReferences(Owners.controllerRef(withKind(svc)))
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .withPorts(ports)
        .build();
    EndpointSlice current = existing.stream().filter(s -> s.getMetadata().getName().equals(sliceName)).findFirst().orElse(null);
    if (current == null) {
      client.discovery().v1().endpointSlices().inNamespace(ns).resource(desired).create();
      LOG.info("Created endpointslice={}/{} endpoints={}", ns, sliceName, endpoints.size());
    } else if (!Objects.equals(nullToEmpty(current.getEndpoints()), endpoints) || !Objects.equals(nullToEmpty(current.getPorts()), ports)) {
      EndpointSlice copy = new EndpointSliceBuilder(current).withEndpoints(endpoints).withPorts(ports).build();
      client.discovery().v1().endpointSlices().inNamespace(ns).resource(copy).update();
    }
    for (EndpointSlice s : existing) {
      if (!s.getMetadata().getName().equals(sliceName)) {
        deleteQuietly(() -> client.discovery().v1().endpointSlices().inNamespace(ns).withName(s.getMetadata().getName()).delete());
      }
    }
    syncEndpoints(svc, ready, notReady, ports);
    return Result.done();
  }

  private void syncEndpoints(Service svc, List<EndpointAddress> ready, List<EndpointAddress> notReady, List<EndpointPort> ports) {
    String ns = svc.getMetadata().getNamespace();
    List<EndpointSubset> subsets = new ArrayList<>();
    if (!ready.isEmpty() || !notReady.isEmpty()) {
      List<io.fabric8.kubernetes.api.model.EndpointPort> corePorts = ports.stream()
          .map(p -> new io.fabric8.kubernetes.api.model.EndpointPort(p.getAppProtocol(), p.getName(), p.getPort(), p.getProtocol()))
          .toList();
      subsets.add(new EndpointSubsetBuilder().withAddresses(ready).withNotReadyAddresses(notReady).withPorts(corePorts).build());
    }
    Endpoints current = client.endpoints().inNamespace(ns).withName(svc.getMetadata().getName()).get();
    Endpoints desired = new EndpointsBuilder()
        .withNewMetadata().withName(svc.getMetadata().getName()).withNamespace(ns)
        .addToLabels(MANAGED_BY, CONTROLLER_NAME).addToLabels(svc.getMetadata().getLabels()).endMetadata()
        .withSubsets(subsets).build();
    if (current == null) {
      client.endpoints().inNamespace(ns).resource(desired).create();
    } else if (!Objects.equals(nullToEmpty(current.getSubsets()), subsets)) {
      client.endpoints().inNamespace(ns).resource(new EndpointsBuilder(current).withSubsets(subsets).build()).update();
    }
  }

  /** Service ports with targetPorts resolved (named ones through the first pod declaring them). */
  static List<EndpointPort> resolvePorts(Service svc, List<Pod> pods) {
    List<EndpointPort> out = new ArrayList<>();
    if (svc.getSpec().getPorts() == null) {
      return out;
    }
    for (ServicePort sp : svc.getSpec().getPorts()) {
      IntOrString target = sp.getTargetPort();
      Integer port = null;
      if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
        port = sp.getPort();
      } else if (target.getIntVal() != null) {
        port = target.getIntVal();
      } else {
        port = namedPort(target.getStrVal(), pods);
        if (port == null) {
          try {
            port = Integer.parseInt(target.getStrVal());
          } catch (NumberFormatException e) {
            continue; // no pod declares the name yet
          }
        }
      }
      out.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName()).withPort(port)
          .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).withAppProtocol(sp.getAppProtocol()).build());
    }
    return out;
  }

  private static Integer namedPort(String name, List<Pod> pods) {
    for (Pod p : pods) {
      if (p.getSpec() == null || p.getSpec().getContainers() == null) {
        continue;
      }
      for (var c : p.getSpec().getContainers()) {
        if (c.getPorts() == null) {
          continue;
        }
        for (ContainerPort cp : c.getPorts()) {
          if (name.equals(cp.getName())) {
            return cp.getContainerPort();
          }
        }
      }
    }
    return null;
  }

  private static Service withKind(Service s) {
    if (s.getKind() == null) {
      Service c = new io.fabric8.kubernetes.api.model.ServiceBuilder(s).build();
      c.setKind("Service");
      c.setApiVersion("v1");
      return c;
    }
    return s;
  }

  private static <T> List<T> nullToEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static void deleteQuietly(Runnable r) {
    try {
      r.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}

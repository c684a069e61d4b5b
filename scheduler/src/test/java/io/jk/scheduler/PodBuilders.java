package io.jk.scheduler;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTermBuilder;
import java.util.UUID;

/** Small fixture builders: {@code pod("a").cpu("100m").memory("128Mi").build()}. */
public final class PodBuilders {
  private PodBuilders() {}

  /** A pod builder named {@code name} in namespace default with one container. */
  public static P pod(String name) {
    return new P(name);
  }

  /** A node builder with 4 cpu, 16Gi, 110 pods. */
  public static N node(String name) {
    return new N(name);
  }

  /** Pod fixture builder. */
  public static final class P {
    private final PodBuilder b;

    P(String name) {
      b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default")
          .withUid(UUID.randomUUID().toString()).endMetadata()
          .withNewSpec().withContainers(new ContainerBuilder().withName("c").withImage("busybox")
              .withNewResources().endResources().build()).endSpec();
    }

    public P namespace(String ns) {
      b.editMetadata().withNamespace(ns).endMetadata();
      return this;
    }

    public P cpu(String q) {
      b.editSpec().editFirstContainer().editResources().addToRequests("cpu", new Quantity(q))
          .endResources().endContainer().endSpec();
      return this;
    }

    public P memory(String q) {
      b.editSpec().editFirstContainer().editResources().addToRequests("memory", new Quantity(q))
          .endResources().endContainer().endSpec();
      return this;
    }

    public P hostPort(int port) {
      b.editSpec().editFirstContainer().addToPorts(new ContainerPortBuilder()
          .withContainerPort(port).withHostPort(port).build()).endContainer().endSpec();
      return this;
    }

    public P label(String k, String v) {
      b.editMetadata().addToLabels(k, v).endMetadata();
      return this;
    }

    public P nodeName(String n) {
      b.editSpec().withNodeName(n).endSpec();
      return this;
    }

    public P priority(int p) {
      b.editSpec().withPriority(p).endSpec();
      return this;
    }

    public P priorityClass(String pc) {
      b.editSpec().withPriorityClassName(pc).endSpec();
      return this;
    }

    public P nodeSelector(String k, String v) {
      b.editSpec().addToNodeSelector(k, v).endSpec();
      return this;
    }

    public P tolerate(String key, String value, String effect) {
      b.editSpec().addToTolerations(new TolerationBuilder().withKey(key).withOperator("Equal")
          .withValue(value).withEffect(effect).build()).endSpec();
      return this;
    }

    public P requireNodeLabelIn(String key, String... values) {
      b.editSpec().withNewAffinity().withNewNodeAffinity()
          .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
          .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey(key)
              .withOperator("In").withValues(values).build())
          .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
          .endNodeAffinity().endAffinity().endSpec();
      return this;
    }

    public P preferNodeLabel(int weight, String key, String value) {
      b.editSpec().withNewAffinity().withNewNodeAffinity()
          .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(weight)
          .withNewPreference().withMatchExpressions(new NodeSelectorRequirementBuilder()
              .withKey(key).withOperator("In").withValues(value).build()).endPreference()
          .endPreferredDuringSchedulingIgnoredDuringExecution()
          .endNodeAffinity().endAffinity().endSpec();
      return this;
    }

    public P spread(int maxSkew, String topologyKey, String when, String appLabel) {
      b.editSpec().addToTopologySpreadConstraints(new TopologySpreadConstraintBuilder()
          .withMaxSkew(maxSkew).withTopologyKey(topologyKey).withWhenUnsatisfiable(when)
          .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", appLabel).build())
          .build()).endSpec();
      return this;
    }

    /** Adds a topology spread constraint as given. */
    public P spread(io.fabric8.kubernetes.api.model.TopologySpreadConstraint c) {
      b.editSpec().addToTopologySpreadConstraints(c).endSpec();
      return this;
    }

    /** Sets one required anti-affinity term as given. */
    public P antiAffinity(io.fabric8.kubernetes.api.model.PodAffinityTerm term) {
      b.editSpec().withNewAffinity().withNewPodAntiAffinity()
          .addToRequiredDuringSchedulingIgnoredDuringExecution(term)
          .endPodAntiAffinity().endAffinity().endSpec();
      return this;
    }

    public P antiAffinity(String topologyKey, String appLabel) {
      b.editSpec().withNewAffinity().withNewPodAntiAffinity()
          .addToRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder()
              .withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                  .addToMatchLabels("app", appLabel).build()).build())
          .endPodAntiAffinity().endAffinity().endSpec();
      return this;
    }

    public P affinity(String topologyKey, String appLabel) {
      b.editSpec().withNewAffinity().withNewPodAffinity()
          .addToRequiredDuringSchedulingIgnoredDuringExecution(new PodAffinityTermBuilder()
              .withTopologyKey(topologyKey).withLabelSelector(new LabelSelectorBuilder()
                  .addToMatchLabels("app", appLabel).build()).build())
          .endPodAffinity().endAffinity().endSpec();
      return this;
    }

    public P preferAntiAffinity(int weight, String topologyKey, String appLabel) {
      b.editSpec().withNewAffinity().withNewPodAntiAffinity()
          .addToPreferredDuringSchedulingIgnoredDuringExecution(new WeightedPodAffinityTermBuilder()
              .withWeight(weight).withNewPodAffinityTerm().withTopologyKey(topologyKey)
              .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", appLabel)
                  .build()).endPodAffinityTerm().build())
          .endPodAntiAffinity().endAffinity().endSpec();
      return this;
    }

    public P initCpu(String q) {
      b.editSpec().addNewInitContainer().withName("init").withImage("busybox").withNewResources()
          .addToRequests("cpu", new Quantity(q)).endResources().endInitContainer().endSpec();
      return this;
    }

    public Pod build() {
      return b.build();
    }
  }

  /** Node fixture builder. */
  public static final class N {
    private final NodeBuilder b;

    N(String name) {
      b = new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
          .endMetadata().withNewSpec().endSpec().withNewStatus()
          .addToAllocatable("cpu", new Quantity("4")).addToAllocatable("memory", new Quantity("16Gi"))
          .addToAllocatable("pods", new Quantity("110")).endStatus();
    }

    public N capacity(String cpu, String memory, String pods) {
      b.editStatus().addToAllocatable("cpu", new Quantity(cpu))
          .addToAllocatable("memory", new Quantity(memory))
          .addToAllocatable("pods", new Quantity(pods)).endStatus();
      return this;
    }

    public N label(String k, String v) {
      b.editMetadata().addToLabels(k, v).endMetadata();
      return this;
    }

    public N taint(String key, String value, String effect) {
      Taint t = new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
      b.editSpec().addToTaints(t).endSpec();
      return this;
    }

    public N unschedulable() {
      b.editSpec().withUnschedulable(true).endSpec();
      return this;
    }

    public Node build() {
      return b.build();
    }
  }
}

package io.jk.kubelet.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** Small builders for test pods bound to the harness's node. */
public final class Pods {
  private Pods() {}

  public static Container sh(String name, String script) {
    return new ContainerBuilder().withName(name).withImage("busybox:1.36").withCommand("sh", "-c", script).build();
  }

  public static PodBuilder pod(String name, String restartPolicy, Container... containers) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withNodeName(KubeletHarness.NODE).withRestartPolicy(restartPolicy)
        .withTerminationGracePeriodSeconds(5L).withContainers(containers).endSpec();
  }
}

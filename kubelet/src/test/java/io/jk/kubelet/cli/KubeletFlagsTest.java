package io.jk.kubelet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.jk.kubelet.image.NodeIoSettings;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** The kubelet's image and CNI flags: parsed, defaulted from the JK_* variables, validated all at once. */
class KubeletFlagsTest {

  private static KubeletCommand parse(String... extra) {
    List<String> args = new ArrayList<>(List.of("--kubeconfig", "/etc/hostname", "--node-name", "n1", "--node-ip", "10.0.0.5",
        "--runtime-bin-dir", KubeletHarness.runtimeBin().toString(), "--root-dir", "/var/lib/jk-test/kubelet"));
    args.addAll(List.of(extra));
    KubeletCommand cmd = new KubeletCommand();
    new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
    return cmd;
  }

  static Stream<Arguments> settings() {
    Map<String, String> env = Map.of("JK_INSECURE_REGISTRIES", "env:5000", "JK_CNI_CONF_DIR", "/env/conf",
        "JK_CNI_BIN_DIR", "/env/bin1:/env/bin2", "JK_CNI_DATA_DIR", "/env/data", "JK_NODE_NETNS", "/proc/self/ns/net",
        "JK_CNI_BRIDGE", "envbr0");
    return Stream.of(
        Arguments.of("no flags and no variables give Kubernetes' defaults and <root-dir>/cni", List.of(), Map.of(),
            new NodeIoSettings(Set.of(), Path.of("/etc/cni/net.d"), List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin")),
                Path.of("/var/lib/jk-test/kubelet/cni"), null, "jk0")),
        Arguments.of("every flag is used", List.of("--insecure-registries", "reg.lan:5000,10.1.2.3", "--cni-conf-dir", "/c",
                "--cni-bin-dir", "/b1,/b2", "--cni-data-dir", "/d", "--node-netns", "/proc/self/ns/net", "--cni-bridge", "br-x"),
            Map.of(), new NodeIoSettings(Set.of("reg.lan:5000", "10.1.2.3"), Path.of("/c"), List.of(Path.of("/b1"), Path.of("/b2")),
                Path.of("/d"), Path.of("/proc/self/ns/net"), "br-x")),
        Arguments.of("the variables are the flags' defaults", List.of(), env,
            new NodeIoSettings(Set.of("env:5000"), Path.of("/env/conf"), List.of(Path.of("/env/bin1"), Path.of("/env/bin2")),
                Path.of("/env/data"), Path.of("/proc/self/ns/net"), "envbr0")),
        Arguments.of("a flag wins over its variable", List.of("--cni-data-dir", "/flag/data", "--cni-bridge", "flagbr0"), env,
            new NodeIoSettings(Set.of("env:5000"), Path.of("/env/conf"), List.of(Path.of("/env/bin1"), Path.of("/env/bin2")),
                Path.of("/flag/data"), Path.of("/proc/self/ns/net"), "flagbr0")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void flagsAndVariablesMakeTheNodeIoSettings(String name, List<String> flags, Map<String, String> env, NodeIoSettings want) {
    List<String> errors = new ArrayList<>();
    NodeIoSettings got = parse(flags.toArray(String[]::new)).nodeIo(env, errors);
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(want, got);
  }

  @Test
  void theConfigCarriesTheSettingsPortAndImageGcThresholds() {
    List<String> errors = new ArrayList<>();
    KubeletConfig cfg = parse("--cni-data-dir", "/x/cni", "--port", "10350", "--image-gc-high-threshold", "90",
        "--image-gc-low-threshold", "70").config(errors);
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(Path.of("/x/cni"), cfg.nodeIo().cniDataDir());
    assertEquals(10350, cfg.port());
    assertEquals(90, cfg.imageGcHighPercent());
    assertEquals(70, cfg.imageGcLowPercent());
    KubeletConfig defaults = parse().config(new ArrayList<>());
    assertEquals(10250, defaults.port());
    assertEquals(85, defaults.imageGcHighPercent());
    assertEquals(80, defaults.imageGcLowPercent());
    assertNull(defaults.nodeIo().nodeNetns());
  }

  @Test
  void badImageAndCniFlagsAreReportedAllAtOnce() {
    List<String> errors = new ArrayList<>();
    parse("--insecure-registries", "http://reg:5000/", "--node-netns", "/nonexistent/netns", "--cni-bridge",
        "a-bridge-name-too-long", "--image-gc-high-threshold", "60", "--image-gc-low-threshold", "70").config(errors);
    String all = String.join("\n", errors);
    for (String want : List.of("--insecure-registries: \"http://reg:5000/\"", "--node-netns: /nonexistent/netns does not exist",
        "--cni-bridge: \"a-bridge-name-too-long\"", "--image-gc-low-threshold (70) must not be above")) {
      assertTrue(all.contains(want), "missing " + want + " in\n" + all);
    }
    List<String> range = new ArrayList<>();
    parse("--image-gc-high-threshold", "101").config(range);
    assertTrue(String.join("\n", range).contains("within 0..100"), range.toString());
  }

  @Test
  void imagesInUseAreEveryContainersImageAndReportedImageId() {
    Pod pod = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
        .addNewInitContainer().withName("init").withImage("init:1").endInitContainer()
        .addNewContainer().withName("app").withImage("busybox:1.36").endContainer()
        .addNewEphemeralContainer().withName("debug").withImage("debug:2").endEphemeralContainer()
        .endSpec().withNewStatus().withContainerStatuses(new ContainerStatusBuilder().withName("app")
            .withImage("docker.io/library/busybox:1.36").withImageID("sha256:abc").build()).endStatus().build();
    Pod bare = new PodBuilder().withNewMetadata().withName("bare").endMetadata().build();
    assertEquals(Set.of("init:1", "busybox:1.36", "debug:2", "docker.io/library/busybox:1.36", "sha256:abc"),
        Kubelet.imagesInUse(List.of(pod, bare)));
  }
}

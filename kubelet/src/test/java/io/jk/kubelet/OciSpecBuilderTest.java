package io.jk.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.jk.kubelet.container.EnvResolver;
import io.jk.kubelet.container.OciSpecBuilder;
import io.jk.kubelet.image.ImageConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class OciSpecBuilderTest {
  static final ImageConfig IMAGE = new ImageConfig(List.of("/entry"), List.of("default-cmd"), List.of("PATH=/bin", "A=image"),
      "/srv", "1000:2000", List.of(), Map.of(), "SIGQUIT");

  static Stream<Arguments> commandLines() {
    return Stream.of(
        Arguments.of("neither: the image's entrypoint and cmd", List.of(), List.of(), List.of("/entry", "default-cmd")),
        Arguments.of("args only: the image's entrypoint with the args", List.of(), List.of("x"), List.of("/entry", "x")),
        Arguments.of("command only: the image's cmd is ignored", List.of("/bin/sh"), List.of(), List.of("/bin/sh")),
        Arguments.of("both: command and args, nothing from the image", List.of("/bin/echo"), List.of("$(A)", "$$(A)"),
            List.of("/bin/echo", "container", "$(A)")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commandLines")
  void commandLineAsKubernetesDefinesIt(String name, List<String> command, List<String> args, List<String> want) {
    Container c = new ContainerBuilder().withName("c").withImage("i").withCommand(command).withArgs(args).build();
    assertEquals(want, OciSpecBuilder.commandLine(c, IMAGE, Map.of("A", "container")));
  }

  @Test
  void expansionLeavesUnknownNamesAndEscapes() {
    assertEquals("x-$(NOPE)-$(A)-y", EnvResolver.expand("$(A)-$(NOPE)-$$(A)-$(B)", Map.of("A", "x", "B", "y")));
  }

  static Stream<Arguments> stdio() {
    return Stream.of(
        Arguments.of("neither: no terminal, no stdin for the shim to hold", false, false, false, false, null),
        Arguments.of("stdin: the shim holds it open", true, false, false, false, "open"),
        Arguments.of("stdinOnce: closed after the first attacher", true, true, false, false, "once"),
        Arguments.of("tty: a terminal and TERM=xterm, as containerd gives", true, true, true, true, "once"),
        Arguments.of("stdinOnce without stdin means nothing", false, true, true, true, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stdio")
  void stdinAndTerminalAsTheContainerAsks(String name, boolean stdin, boolean once, boolean tty, boolean wantTerminal,
      String wantStdin) {
    Container c = new ContainerBuilder().withName("c").withImage("i").withCommand("sh").withStdin(stdin)
        .withStdinOnce(once).withTty(tty).build();
    Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u").endMetadata()
        .withNewSpec().withContainers(c).endSpec().build();
    JsonNode spec = OciSpecBuilder.container(new OciSpecBuilder.ContainerInput(pod, c, IMAGE,
        OciSpecBuilder.mergeEnv(IMAGE, Map.of()), Map.of(), 99, Path.of("/r"), Path.of("/etc-dir"), "parent/podu/c-0"));
    assertEquals(wantTerminal, spec.get("process").get("terminal").asBoolean());
    assertEquals(wantTerminal, spec.get("process").get("env").toString().contains("\"TERM=xterm\""));
    assertEquals(wantStdin, spec.path("annotations").path(OciSpecBuilder.STDIN_ANNOTATION).textValue());
  }

  @Test
  void securityContextResourcesAndNamespaces() {
    Container c = new ContainerBuilder().withName("c").withImage("i").withCommand("run").withNewSecurityContext()
        .withRunAsUser(42L).withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withAdd("NET_ADMIN").withDrop("KILL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .withNewResources().withRequests(Map.of("cpu", new Quantity("250m"))).withLimits(Map.of("cpu", new Quantity("500m"),
            "memory", new Quantity("64Mi"))).endResources().build();
    Pod pod = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u").endMetadata()
        .withNewSpec().withContainers(c).withNewSecurityContext().withSupplementalGroups(7L).endSecurityContext().endSpec().build();
    JsonNode spec = OciSpecBuilder.container(new OciSpecBuilder.ContainerInput(pod, c, IMAGE,
        OciSpecBuilder.mergeEnv(IMAGE, Map.of("B", "b")), Map.of(), 99, Path.of("/r"), Path.of("/etc-dir"), "parent/podu/c-0"));
    JsonNode proc = spec.get("process");
    assertEquals(42, proc.get("user").get("uid").asInt());
    assertEquals(2000, proc.get("user").get("gid").asInt(), "the image's group when runAsGroup is unset");
    assertEquals(7, proc.get("user").get("additionalGids").get(0).asInt());
    assertEquals("/srv", proc.get("cwd").asText());
    assertTrue(proc.get("noNewPrivileges").asBoolean());
    String caps = proc.get("capabilities").get("bounding").toString();
    assertTrue(caps.contains("CAP_NET_ADMIN") && !caps.contains("CAP_KILL") && caps.contains("CAP_CHOWN"), caps);
    assertTrue(proc.get("env").toString().contains("\"A=image\"") && proc.get("env").toString().contains("\"B=b\""));
    assertTrue(spec.get("root").get("readonly").asBoolean());
    JsonNode linux = spec.get("linux");
    assertEquals(256, linux.get("resources").get("cpu").get("shares").asInt());
    assertEquals(50000, linux.get("resources").get("cpu").get("quota").asInt());
    assertEquals(64 * 1024 * 1024, linux.get("resources").get("memory").get("limit").asLong());
    assertEquals("parent/podu/c-0", linux.get("cgroupsPath").asText());
    assertTrue(linux.get("namespaces").toString().contains("\"path\":\"/proc/99/ns/net\""));
    assertTrue(linux.get("seccomp").get("syscalls").get(0).get("names").toString().contains("kexec_load"));
    assertTrue(spec.get("mounts").toString().contains("\"destination\":\"/etc/hosts\""));
  }

  @Test
  void privilegedGetsEveryCapabilityAndNoMasks() {
    Container c = new ContainerBuilder().withName("c").withImage("i").withCommand("run").withNewSecurityContext()
        .withPrivileged(true).endSecurityContext().build();
    Pod pod = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withContainers(c).endSpec().build();
    JsonNode spec = OciSpecBuilder.container(new OciSpecBuilder.ContainerInput(pod, c, IMAGE, Map.of(), Map.of(), 1,
        Path.of("/r"), Path.of("/e"), "x"));
    assertTrue(spec.get("process").get("capabilities").get("bounding").toString().contains("CAP_SYS_ADMIN"));
    assertFalse(spec.get("linux").has("maskedPaths"));
    assertFalse(spec.get("process").get("noNewPrivileges").asBoolean());
  }
}

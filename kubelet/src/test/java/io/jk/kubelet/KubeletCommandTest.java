package io.jk.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.kubelet.cli.KubeletCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KubeletCommandTest {

  @Test
  void reportsEveryBadFlagAtOnce() {
    KubeletCommand cmd = new KubeletCommand();
    new CommandLine(cmd).parseArgs("--kubeconfig", "/nonexistent/kubeconfig", "--node-name", "Bad_Name", "--node-ip", "x.y",
        "--runtime-bin-dir", "/nonexistent", "--node-labels", "ok=1,=bad", "--register-with-taints", "k=v:Sometimes",
        "--system-reserved", "cpu=lots", "--kube-reserved", "gpu=1", "--cgroup-parent", "../escape", "--port", "70000",
        "--tls-cert-file", "/nonexistent/cert");
    List<String> errors = new ArrayList<>();
    cmd.config(errors);
    String all = String.join("\n", errors);
    for (String want : List.of("--kubeconfig: cannot read", "--node-name: \"Bad_Name\"", "--node-ip: \"x.y\"",
        "no executable jkshim", "--node-labels: \"=bad\"", "unknown effect Sometimes", "--system-reserved: \"lots\"",
        "--kube-reserved: unknown resource \"gpu\"", "--cgroup-parent", "--port: 70000",
        "--tls-cert-file and --tls-private-key-file go together", "cannot read /nonexistent/cert")) {
      assertTrue(all.contains(want), "missing " + want + " in\n" + all);
    }
    assertEquals(2, new CommandLine(new KubeletCommand()).execute("--kubeconfig", "/nonexistent", "--node-name", "n1",
        "--node-ip", "127.0.0.1", "--runtime-bin-dir", "/nonexistent"));
  }

  @Test
  void goodFlagsMakeTheConfig() {
    KubeletCommand cmd = new KubeletCommand();
    new CommandLine(cmd).parseArgs("--kubeconfig", "/etc/hostname", "--node-name", "n1", "--node-ip", "10.0.0.5",
        "--runtime-bin-dir", io.jk.kubelet.testing.KubeletHarness.runtimeBin().toString(), "--node-labels", "zone=a,tier=web",
        "--register-with-taints", "dedicated=gpu:NoSchedule", "--system-reserved", "cpu=500m,memory=1Gi");
    List<String> errors = new ArrayList<>();
    var cfg = cmd.config(errors);
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals("n1", cfg.nodeName());
    assertEquals(Map.of("zone", "a", "tier", "web"), cfg.nodeLabels());
    assertEquals(List.of("dedicated=gpu:NoSchedule"), cfg.taints());
    assertEquals("500m", cfg.systemReserved().get("cpu"));
    assertTrue(cfg.runtimePath().endsWith("jkrt"));
  }
}

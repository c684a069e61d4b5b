package io.jk.kubelet.probe;

import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.jk.kubelet.container.ShimRuntime;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one probe or hook action: exec inside the container through the OCI runtime's {@code exec},
 * httpGet and tcpSocket from inside the pod's network namespace.
 *
 * <p>Why from inside the pod's network namespace: the kubelet may run in a network namespace that
 * cannot route to the pod (tests give CNI a node namespace of their own), and Java cannot
 * {@code setns} a thread. So network checks run as {@code nsenter --net=/proc/PAUSE/ns/net busybox
 * wget|nc}, aimed at the pod's IP (or {@code host} when given), which is what the kubelet's own
 * connection would reach.
 */
public final class Prober {
  private final ShimRuntime runtime;
  private final String busybox;

  public Prober(ShimRuntime runtime, String busybox) {
    this.runtime = runtime;
    this.busybox = busybox;
  }

  /** The outcome of one run: success and, on failure, a message as Kubernetes' Unhealthy event shows. */
  public record Outcome(boolean success, String message) {}

  /** Where a probe runs. */
  public record Target(String containerId, int sandboxPid, String podIp, Container container) {}

  public Outcome exec(Target t, ExecAction action, Duration timeout) {
    ShimRuntime.ExecResult r = runtime.exec(t.containerId(), action.getCommand(), timeout);
    if (r.timedOut()) {
      return new Outcome(false, "command timed out after " + timeout.toSeconds() + "s");
    }
    return r.exitCode() == 0 ? new Outcome(true, "")
        : new Outcome(false, "command " + action.getCommand() + " exited with " + r.exitCode() + ": " + r.output().strip());
  }

  public Outcome httpGet(Target t, HTTPGetAction a, Duration timeout) {
    String host = a.getHost() != null && !a.getHost().isEmpty() ? a.getHost() : hostOf(t);
    int port = port(a.getPort(), t.container());
    String scheme = a.getScheme() == null ? "http" : a.getScheme().toLowerCase();
    String path = a.getPath() == null || a.getPath().isEmpty() ? "/" : a.getPath().startsWith("/") ? a.getPath() : "/" + a.getPath();
    String url = scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path;
    // no -T: Debian's busybox-static wget crashes with it; the process timeout bounds the probe instead
    List<String> cmd = new ArrayList<>(List.of(busybox, "wget", "-q", "-O", "/dev/null", "-U", "kube-probe/1.32"));
    if (a.getHttpHeaders() != null) {
      for (HTTPHeader h : a.getHttpHeaders()) {
        cmd.add("--header");
        cmd.add(h.getName() + ": " + h.getValue());
      }
    }
    if (scheme.equals("https")) {
      cmd.add("--no-check-certificate");
    }
    cmd.add(url);
    int code = inNetns(t, cmd, timeout.plusSeconds(1));
    return code == 0 ? new Outcome(true, "") : new Outcome(false, "Get \"" + url + "\": request failed");
  }

  public Outcome tcpSocket(Target t, TCPSocketAction a, Duration timeout) {
    String host = a.getHost() != null && !a.getHost().isEmpty() ? a.getHost() : hostOf(t);
    int port = port(a.getPort(), t.container());
    int code = inNetns(t, List.of(busybox, "nc", "-w", Long.toString(Math.max(1, timeout.toSeconds())), host,
        Integer.toString(port)), timeout.plusSeconds(1));
    return code == 0 ? new Outcome(true, "") : new Outcome(false, "dial tcp " + host + ":" + port + ": connect: connection refused");
  }

  private static String hostOf(Target t) {
    return t.podIp() == null || t.podIp().isEmpty() ? "127.0.0.1" : t.podIp();
  }

  /** A port given by number or by the name of one of the container's ports. */
  static int port(IntOrString p, Container c) {
    if (p == null) {
      throw new IllegalArgumentException("probe has no port");
    }
    if (p.getIntVal() != null) {
      return p.getIntVal();
    }
    String name = p.getStrVal();
    if (name.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(name);
    }
    if (c.getPorts() != null) {
      for (ContainerPort cp : c.getPorts()) {
        if (name.equals(cp.getName())) {
          return cp.getContainerPort();
        }
      }
    }
    throw new IllegalArgumentException("unknown named port " + name);
  }

  private static int inNetns(Target t, List<String> cmd, Duration timeout) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=/proc/" + t.sandboxPid() + "/ns/net"));
    full.addAll(cmd);
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(2, TimeUnit.SECONDS);
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}

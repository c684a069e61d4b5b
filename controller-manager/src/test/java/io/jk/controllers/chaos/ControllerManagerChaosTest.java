package io.jk.controllers.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.jk.controllers.ControllerManagerCommand;
import io.jk.controllers.TestClusterAccess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A 50-replica rolling update while the controller-manager, in a child JVM, is killed with SIGKILL
 * at random moments and restarted: the rollout converges, no more than replicas + maxSurge pods
 * ever exist, and no ReplicaSet is duplicated.
 */
class ControllerManagerChaosTest {

  static final int REPLICAS = 50;
  static final int MAX_SURGE = 5;

  static Process startControllerManager(Path kubeconfig, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-Dvertx.disableFileCPResolving=true", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ControllerManagerCommand.class.getName(), "--kubeconfig", kubeconfig.toString(),
        // As deployed: a new process acts only once the killed one's lease has expired, so
        // writes the killed process still had in flight land before the new one lists.
        "--leader-elect", "--leader-elect-lease-duration", "2s", "--leader-elect-renew-deadline", "1500ms",
        "--leader-elect-retry-period", "300ms",
        "--secure-port", "0", "--controllers", "replicaset,deployment")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  static boolean rolledOut(KubernetesClient client, String image) {
    Deployment d = client.apps().deployments().inNamespace("default").withName("chaos").get();
    if (d == null || d.getStatus() == null || d.getStatus().getObservedGeneration() == null) {
      return false;
    }
    var s = d.getStatus();
    return image.equals(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        && d.getMetadata().getGeneration() <= s.getObservedGeneration()
        && nz(s.getUpdatedReplicas()) >= REPLICAS && nz(s.getReplicas()) <= nz(s.getUpdatedReplicas())
        && nz(s.getAvailableReplicas()) >= nz(s.getUpdatedReplicas());
  }

  static String holder(KubernetesClient client) {
    var lease = client.leases().inNamespace("kube-system").withName("kube-controller-manager").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  @Test
  void rollingUpdateSurvivesSigkillsWithoutOvershootOrDuplicateReplicaSets() throws Exception {
    Path log = Files.createTempFile("jk-chaos-cm", ".log");
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of())) {
      // The in-process manager runs no controllers: the child JVM does all the work.
      KubernetesClient client = cluster.client();
      client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("kube-system")
          .endMetadata().build()).createOr(r -> r.update());
      Map<String, String> live = new ConcurrentHashMap<>();
      StringBuilder overshoots = new StringBuilder();
      AtomicInteger maxAlive = new AtomicInteger();
      Watch watch = client.pods().inNamespace("default").withLabel("app", "chaos").watch(new Watcher<Pod>() {
        @Override
        public synchronized void eventReceived(Action action, Pod pod) {
          if (action == Action.DELETED || pod.getMetadata().getDeletionTimestamp() != null) {
            live.remove(pod.getMetadata().getName());
          } else {
            live.put(pod.getMetadata().getName(), pod.getMetadata().getLabels().getOrDefault("pod-template-hash", "?"));
          }
          maxAlive.accumulateAndGet(live.size(), Math::max);
          if (live.size() > REPLICAS + MAX_SURGE && overshoots.length() < 4000) {
            Map<String, Long> perHash = new java.util.TreeMap<>();
            live.values().forEach(h -> perHash.merge(h, 1L, Long::sum));
            overshoots.append(java.time.Instant.now()).append(' ').append(action).append(' ')
                .append(pod.getMetadata().getName()).append(" rv=").append(pod.getMetadata().getResourceVersion())
                .append(' ').append(perHash).append('\n');
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      Process cm = startControllerManager(cluster.api().kubeconfig(), log);
      try {
        client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
            .withNewMetadata().withName("chaos").withNamespace("default").endMetadata()
            .withNewSpec().withReplicas(REPLICAS)
            .withNewSelector().addToMatchLabels("app", "chaos").endSelector()
            .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
            .withMaxSurge(new IntOrString(MAX_SURGE)).withMaxUnavailable(new IntOrString(5)).endRollingUpdate().endStrategy()
            .withNewTemplate().withNewMetadata().addToLabels("app", "chaos").endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
            .endTemplate().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> rolledOut(client, "busybox:1"));

        client.apps().deployments().inNamespace("default").withName("chaos")
            .edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
                .endContainer().endSpec().endTemplate().endSpec().build());
        Random random = new Random(42);
        int killsMidRollout = 0;
        for (int kill = 0; kill < 4; kill++) {
          // Kill the process only once it leads (it holds the Lease), at a random moment after.
          String previous = holder(client);
          if (kill > 0) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
              String h = holder(client);
              return h != null && !h.equals(previous);
            });
          }
          // The first kill comes right after the change (a quiet machine finishes a 50-pod rollout in
          // well under a second); the later ones at random moments of the restarted process's work.
          cm.waitFor(kill == 0 ? 20 + random.nextInt(80) : 300 + random.nextInt(1200), TimeUnit.MILLISECONDS);
          if (!rolledOut(client, "busybox:2")) {
            killsMidRollout++;
          }
          cm.destroyForcibly(); // SIGKILL
          cm.waitFor(10, TimeUnit.SECONDS);
          cm = startControllerManager(cluster.api().kubeconfig(), log);
        }
        assertTrue(killsMidRollout >= 1, "at least one kill interrupted the rollout");
        await().atMost(Duration.ofSeconds(90)).until(() -> rolledOut(client, "busybox:2"));
      } finally {
        cm.destroyForcibly();
        cm.waitFor(10, TimeUnit.SECONDS);
        watch.close();
      }
      if (maxAlive.get() > REPLICAS + MAX_SURGE) {
        System.out.println("OVERSHOOTS\n" + overshoots);
        System.out.println("CHILD LOG\n" + Files.readString(log));
      }
      assertTrue(maxAlive.get() <= REPLICAS + MAX_SURGE, "pods never above replicas + maxSurge, saw " + maxAlive.get());
      List<ReplicaSet> rss = client.apps().replicaSets().inNamespace("default").withLabel("app", "chaos").list().getItems();
      assertEquals(2, rss.size(), "one ReplicaSet per template");
      Set<String> images = new HashSet<>();
      rss.forEach(r -> images.add(r.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
      assertEquals(Set.of("busybox:1", "busybox:2"), images);
      assertEquals(REPLICAS, client.pods().inNamespace("default").withLabel("app", "chaos").list().getItems().size());
    } finally {
      Files.deleteIfExists(log);
    }
  }
}

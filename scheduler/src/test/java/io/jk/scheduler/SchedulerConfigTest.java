package io.jk.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.scheduler.plugins.noderesources.NodeResourcesFit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SchedulerConfigTest {

  @Test
  void aKubeSchedulerConfigurationSetsWeightsPluginsStrategyAndElection() throws Exception {
    SchedulerConfig c = SchedulerConfig.parse("""
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        percentageOfNodesToScore: 50
        leaderElection: {leaderElect: true, leaseDuration: 20s, renewDeadline: 15s, retryPeriod: 500ms}
        profiles:
        - schedulerName: packer
          plugins:
            score:
              enabled: [{name: NodeResourcesFit, weight: 5}]
              disabled: [{name: NodeResourcesBalancedAllocation}]
          pluginConfig:
          - name: NodeResourcesFit
            args: {scoringStrategy: {type: MostAllocated}}
        """);
    assertEquals("packer", c.schedulerName());
    assertEquals(50, c.percentageOfNodesToScore());
    assertEquals(5, c.weights().get("NodeResourcesFit"));
    assertEquals(3, c.weights().get("TaintToleration"));
    assertTrue(c.disabledPlugins().contains("NodeResourcesBalancedAllocation"));
    assertEquals(NodeResourcesFit.Strategy.MOST_ALLOCATED, c.scoringStrategy());
    assertTrue(c.leaderElect());
    assertEquals(Duration.ofSeconds(20), c.leaseDuration());
    assertEquals(Duration.ofMillis(500), c.retryPeriod());
    assertTrue(Plugins.enabled(c, null).stream().noneMatch(
        p -> p.name().equals("NodeResourcesBalancedAllocation")));
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    var e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse("""
        kind: KubeSchedulerConfiguration
        percentageOfNodesToScore: 150
        profiles:
        - plugins:
            score:
              enabled: [{name: NoSuchPlugin, weight: 1}]
        """));
    assertTrue(e.getMessage().contains("percentageOfNodesToScore"), e.getMessage());
    assertTrue(e.getMessage().contains("NoSuchPlugin"), e.getMessage());
  }
}

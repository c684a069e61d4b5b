package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The READY, STATUS and RESTARTS cells of {@code kubectl get pods}, case by case as kubectl computes them. */
class PodStatusColumnTest {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final String ONE = "'containers':[{'name':'a','image':'x'}]";
  static final String TWO = "'containers':[{'name':'a','image':'x'},{'name':'b','image':'x'}]";
  static final String INIT = "'initContainers':[{'name':'i','image':'x'}]," + ONE;
  static final String RUNNING_READY = "{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}}";

  static ObjectNode pod(String spec, String status, String meta) {
    return Fixtures.json("{'kind':'Pod','metadata':{'name':'p','creationTimestamp':'2026-01-01T11:00:00Z'" + meta + "},"
        + "'spec':{" + spec + "},'status':{" + status + "}}");
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a new pod is Pending", pod(ONE, "'phase':'Pending'", ""), "0/1", "Pending", "0"),
        Arguments.of("image pull shows ContainerCreating", pod(ONE, "'phase':'Pending','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':0,'state':{'waiting':{'reason':'ContainerCreating'}}}]", ""),
            "0/1", "ContainerCreating", "0"),
        Arguments.of("a ready container is Running", pod(ONE, "'phase':'Running','containerStatuses':[" + RUNNING_READY + "]", ""),
            "1/1", "Running", "0"),
        Arguments.of("one of two ready", pod(TWO, "'phase':'Running','containerStatuses':[" + RUNNING_READY
            + ",{'name':'b','ready':false,'restartCount':0,'state':{'running':{}}}]", ""), "1/2", "Running", "0"),
        Arguments.of("crash loop with restarts and when", pod(ONE, "'phase':'Running','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':5,'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
            + "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2026-01-01T11:55:00Z'}}}]", ""),
            "0/1", "CrashLoopBackOff", "5 (5m ago)"),
        Arguments.of("a finished pod is Completed", pod(ONE, "'phase':'Succeeded','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]", ""),
            "0/1", "Completed", "0"),
        Arguments.of("a failed container shows Error", pod(ONE, "'phase':'Failed','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':2,'reason':'Error'}}}]", ""),
            "0/1", "Error", "0"),
        Arguments.of("no reason gives the exit code", pod(ONE, "'phase':'Failed','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':137}}}]", ""),
            "0/1", "ExitCode:137", "0"),
        Arguments.of("a signal is shown", pod(ONE, "'phase':'Failed','containerStatuses':[{'name':'a',"
            + "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':0,'signal':9}}}]", ""),
            "0/1", "Signal:9", "0"),
        Arguments.of("an init container running shows Init:0/1", pod(INIT, "'phase':'Pending','initContainerStatuses':[{'name':'i',"
            + "'ready':false,'restartCount':0,'state':{'running':{}}}],'containerStatuses':[{'name':'a','ready':false,"
            + "'restartCount':0,'state':{'waiting':{'reason':'PodInitializing'}}}]", ""), "0/1", "Init:0/1", "0"),
        Arguments.of("a crashing init container", pod(INIT, "'phase':'Pending','initContainerStatuses':[{'name':'i',"
            + "'ready':false,'restartCount':3,'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]", ""),
            "0/1", "Init:CrashLoopBackOff", "3"),
        Arguments.of("a failed init container", pod(INIT, "'phase':'Pending','initContainerStatuses':[{'name':'i',"
            + "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':1,'reason':'Error'}}}]", ""),
            "0/1", "Init:Error", "0"),
        Arguments.of("init done then running", pod(INIT, "'phase':'Running','conditions':[{'type':'Initialized','status':'True'}],"
            + "'initContainerStatuses':[{'name':'i','ready':true,'restartCount':0,'state':{'terminated':{'exitCode':0,"
            + "'reason':'Completed'}}}],'containerStatuses':[" + RUNNING_READY + "]", ""), "1/1", "Running", "0"),
        Arguments.of("a sidecar counts as a container", pod("'initContainers':[{'name':'s','image':'x','restartPolicy':'Always'}],"
            + ONE, "'phase':'Running','conditions':[{'type':'Initialized','status':'True'}],'initContainerStatuses':[{'name':'s',"
            + "'ready':true,'started':true,'restartCount':0,'state':{'running':{}}}],'containerStatuses':[" + RUNNING_READY + "]", ""),
            "2/2", "Running", "0"),
        Arguments.of("a deleted pod is Terminating", pod(ONE, "'phase':'Running','containerStatuses':[" + RUNNING_READY + "]",
            ",'deletionTimestamp':'2026-01-01T11:59:00Z'"), "1/1", "Terminating", "0"),
        Arguments.of("a deleted pod on a lost node is Unknown", pod(ONE, "'phase':'Running','reason':'NodeLost'",
            ",'deletionTimestamp':'2026-01-01T11:59:00Z'"), "0/1", "Unknown", "0"),
        Arguments.of("an evicted pod shows the reason", pod(ONE, "'phase':'Failed','reason':'Evicted'", ""), "0/1", "Evicted", "0"),
        Arguments.of("a gated pod is SchedulingGated", pod(ONE, "'phase':'Pending','conditions':[{'type':'PodScheduled',"
            + "'status':'False','reason':'SchedulingGated'}]", ""), "0/1", "SchedulingGated", "0"),
        Arguments.of("completed container beside a running one is NotReady", pod(TWO, "'phase':'Running','containerStatuses':["
            + "{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}},{'name':'b','ready':false,'restartCount':0,"
            + "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]", ""), "1/2", "NotReady", "0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void showsWhatKubectlShows(String name, ObjectNode pod, String ready, String status, String restarts) {
    PodStrategy.PodRow row = PodStrategy.PodRow.of(pod, NOW);
    assertEquals(List.of(ready, status, restarts), List.of(row.ready(), row.status(), row.restarts()));
  }

  @org.junit.jupiter.api.Test
  void wideCellsShowNoneWhenUnscheduled() {
    List<Object> cells = new PodStrategy().tableCells(pod(ONE, "'phase':'Pending'", ""), NOW);
    assertEquals(List.of("p", "0/1", "Pending", "0", "60m", "<none>", "<none>", "<none>", "<none>"), cells);
    assertEquals(cells.size(), new PodStrategy().tableColumns().size());
  }
}

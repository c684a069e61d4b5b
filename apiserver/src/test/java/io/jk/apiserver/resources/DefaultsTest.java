package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceStrategy;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Creates objects through their strategies and checks the fields a user sees defaulted in {@code -o yaml}. */
class DefaultsTest {

  static final String POD = "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'d','uid':'u1'},"
      + "'spec':{'containers':[{'name':'c','image':'nginx:1.25','ports':[{'containerPort':80}],"
      + "'livenessProbe':{'httpGet':{'port':80}},'resources':{'limits':{'cpu':'1','memory':'1Gi'}}},"
      + "{'name':'d','image':'busybox'}],"
      + "'volumes':[{'name':'cm','configMap':{'name':'x'}},{'name':'scratch'}]},'status':{'phase':'Running'}}";
  static final String TEMPLATE = "'template':{'metadata':{'labels':{'app':'x'}},'spec':{'containers':[{'name':'c','image':'busybox:latest'}]}}";
  static final String DEPLOY = "{'kind':'Deployment','metadata':{'name':'d','uid':'u2'},'spec':{'selector':{'matchLabels':{'app':'x'}},"
      + TEMPLATE + "}}";
  static final String JOB = "{'kind':'Job','metadata':{'name':'pi','uid':'1234-abcd'},'spec':{" + TEMPLATE.replace("'spec':{'containers'",
      "'spec':{'restartPolicy':'Never','containers'") + "}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("pod restartPolicy Always", "", POD, "/spec/restartPolicy", "\"Always\""),
        Arguments.of("pod dnsPolicy ClusterFirst", "", POD, "/spec/dnsPolicy", "\"ClusterFirst\""),
        Arguments.of("pod schedulerName", "", POD, "/spec/schedulerName", "\"default-scheduler\""),
        Arguments.of("pod grace period 30s", "", POD, "/spec/terminationGracePeriodSeconds", "30"),
        Arguments.of("pod empty securityContext", "", POD, "/spec/securityContext", "{}"),
        Arguments.of("pod enableServiceLinks", "", POD, "/spec/enableServiceLinks", "true"),
        Arguments.of("pod service account default", "", POD, "/spec/serviceAccountName", "\"default\""),
        Arguments.of("priority is admission's (PriorityAdmissionTest), not a default", "", POD.replace("'containers'",
            "'priorityClassName':'high','containers'"), "/spec/priority", null),
        Arguments.of("pod status is Pending whatever the client sent", "", POD, "/status/phase", "\"Pending\""),
        Arguments.of("pod QoS from equal requests and limits", "", POD, "/status/qosClass", "\"Burstable\""),
        Arguments.of("tagged image pulled IfNotPresent", "", POD, "/spec/containers/0/imagePullPolicy", "\"IfNotPresent\""),
        Arguments.of("untagged image pulled Always", "", POD, "/spec/containers/1/imagePullPolicy", "\"Always\""),
        Arguments.of("termination message path", "", POD, "/spec/containers/0/terminationMessagePath", "\"/dev/termination-log\""),
        Arguments.of("termination message policy", "", POD, "/spec/containers/0/terminationMessagePolicy", "\"File\""),
        Arguments.of("container port protocol TCP", "", POD, "/spec/containers/0/ports/0/protocol", "\"TCP\""),
        Arguments.of("requests copied from limits", "", POD, "/spec/containers/0/resources/requests", "{\"cpu\":\"1\",\"memory\":\"1Gi\"}"),
        Arguments.of("probe defaults", "", POD, "/spec/containers/0/livenessProbe",
            "{\"httpGet\":{\"port\":80,\"path\":\"/\",\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,"
                + "\"successThreshold\":1,\"failureThreshold\":3}"),
        Arguments.of("configMap volume mode 420", "", POD, "/spec/volumes/0/configMap/defaultMode", "420"),
        Arguments.of("a volume without source is an emptyDir", "", POD, "/spec/volumes/1", "{\"name\":\"scratch\",\"emptyDir\":{}}"),
        Arguments.of("default not-ready and unreachable tolerations", "", POD, "/spec/tolerations",
            "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},"
                + "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]"),
        Arguments.of("an own not-ready toleration is kept alone", "", POD.replace("'volumes'",
                "'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists','effect':'NoExecute','tolerationSeconds':10}],'volumes'"),
            "/spec/tolerations/0/tolerationSeconds", "10"),
        Arguments.of("deployment replicas 1", "apps", DEPLOY, "/spec/replicas", "1"),
        Arguments.of("deployment rolling update 25%/25%", "apps", DEPLOY, "/spec/strategy",
            "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}"),
        Arguments.of("deployment revision history 10", "apps", DEPLOY, "/spec/revisionHistoryLimit", "10"),
        Arguments.of("deployment progress deadline 600", "apps", DEPLOY, "/spec/progressDeadlineSeconds", "600"),
        Arguments.of("deployment generation starts at 1", "apps", DEPLOY, "/metadata/generation", "1"),
        Arguments.of("template gets pod spec defaults", "apps", DEPLOY, "/spec/template/spec/containers/0/imagePullPolicy", "\"Always\""),
        Arguments.of("template gets no service links", "apps", DEPLOY, "/spec/template/spec/enableServiceLinks", null),
        Arguments.of("statefulset OrderedReady", "apps", DEPLOY.replace("Deployment", "StatefulSet"), "/spec/podManagementPolicy", "\"OrderedReady\""),
        Arguments.of("statefulset partition 0", "apps", DEPLOY.replace("Deployment", "StatefulSet"), "/spec/updateStrategy",
            "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}"),
        Arguments.of("daemonset rolling update 1/0", "apps", DEPLOY.replace("Deployment", "DaemonSet"), "/spec/updateStrategy",
            "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}}"),
        Arguments.of("replicaset replicas 1", "apps", DEPLOY.replace("Deployment", "ReplicaSet"), "/spec/replicas", "1"),
        Arguments.of("job completions 1", "batch", JOB, "/spec/completions", "1"),
        Arguments.of("job parallelism 1", "batch", JOB, "/spec/parallelism", "1"),
        Arguments.of("job backoffLimit 6", "batch", JOB, "/spec/backoffLimit", "6"),
        Arguments.of("job completionMode", "batch", JOB, "/spec/completionMode", "\"NonIndexed\""),
        Arguments.of("job generated selector", "batch", JOB, "/spec/selector",
            "{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"1234-abcd\"}}"),
        Arguments.of("job labels its pods", "batch", JOB, "/spec/template/metadata/labels",
            "{\"app\":\"x\",\"batch.kubernetes.io/controller-uid\":\"1234-abcd\",\"controller-uid\":\"1234-abcd\","
                + "\"batch.kubernetes.io/job-name\":\"pi\",\"job-name\":\"pi\"}"),
        Arguments.of("work queue job keeps completions unset", "batch", JOB.replace("'spec':{'template'", "'spec':{'parallelism':3,'template'"),
            "/spec/completions", null),
        Arguments.of("cronjob concurrency Allow", "batch", "{'kind':'CronJob','metadata':{'name':'c'},'spec':{'schedule':'* * * * *',"
            + "'jobTemplate':{'spec':{" + TEMPLATE + "}}}}", "/spec/concurrencyPolicy", "\"Allow\""),
        Arguments.of("cronjob history limits", "batch", "{'kind':'CronJob','metadata':{'name':'c'},'spec':{}}",
            "/spec/successfulJobsHistoryLimit", "3"),
        Arguments.of("service ClusterIP", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{'ports':[{'port':80}]}}",
            "/spec/type", "\"ClusterIP\""),
        Arguments.of("service targetPort = port and TCP", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{'ports':[{'port':80}]}}",
            "/spec/ports/0", "{\"port\":80,\"protocol\":\"TCP\",\"targetPort\":80}"),
        Arguments.of("service session affinity None", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{}}",
            "/spec/sessionAffinity", "\"None\""),
        Arguments.of("service single-stack IPv4", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{}}",
            "/spec/ipFamilies", "[\"IPv4\"]"),
        Arguments.of("service internal traffic Cluster", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{}}",
            "/spec/internalTrafficPolicy", "\"Cluster\""),
        Arguments.of("nodeport external traffic Cluster", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{'type':'NodePort'}}",
            "/spec/externalTrafficPolicy", "\"Cluster\""),
        Arguments.of("namespace finalizer", "", "{'kind':'Namespace','metadata':{'name':'n'}}", "/spec/finalizers", "[\"kubernetes\"]"),
        Arguments.of("namespace Active", "", "{'kind':'Namespace','metadata':{'name':'n'}}", "/status/phase", "\"Active\""),
        Arguments.of("namespace name label", "", "{'kind':'Namespace','metadata':{'name':'n'}}",
            "/metadata/labels/kubernetes.io~1metadata.name", "\"n\""),
        Arguments.of("secret Opaque", "", "{'kind':'Secret','metadata':{'name':'s'}}", "/type", "\"Opaque\""),
        Arguments.of("secret stringData lands in data", "", "{'kind':'Secret','metadata':{'name':'s'},'stringData':{'a':'hi'}}",
            "/data/a", "\"aGk=\""),
        Arguments.of("node allocatable from capacity", "", "{'kind':'Node','metadata':{'name':'n'},'status':{'capacity':{'cpu':'2'}}}",
            "/status/allocatable", "{\"cpu\":\"2\"}"),
        Arguments.of("priority class preemption", "scheduling.k8s.io", "{'kind':'PriorityClass','metadata':{'name':'hi'},'value':5}",
            "/preemptionPolicy", "\"PreemptLowerPriority\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void defaultsAsKubernetes(String name, String group, String json, String pointer, String want) {
    ObjectNode obj = Fixtures.json(json);
    ResourceStrategy s = Strategies.forKind(group, obj.get("kind").asText());
    s.prepareForCreate(obj);
    s.applyDefaults(obj);
    JsonNode got = obj.at(pointer);
    if (want == null) {
      assertTrue(got.isMissingNode(), () -> pointer + " should be unset, is " + got);
    } else {
      assertTrue(io.jk.apiserver.resources.support.Nodes.same(parse(want), got), () -> "want " + want + " got " + got);
    }
  }

  private static JsonNode parse(String s) {
    try {
      return io.jk.common.json.Json.mapper().readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void defaultingTwiceChangesNothing() {
    for (String json : new String[] {POD, DEPLOY, JOB}) {
      ObjectNode obj = Fixtures.json(json);
      ResourceStrategy s = Strategies.forKind(obj.get("kind").asText().equals("Pod") ? "" : obj.get("kind").asText()
          .equals("Job") ? "batch" : "apps", obj.get("kind").asText());
      s.prepareForCreate(obj);
      s.applyDefaults(obj);
      ObjectNode once = obj.deepCopy();
      s.applyDefaults(obj);
      assertEquals(once, obj);
      assertEquals(java.util.List.of(), s.validate(obj), "defaulted " + obj.get("kind") + " is valid");
    }
  }
}

package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table rows as {@code kubectl get} (and {@code -o wide}) prints them for each kind. */
class TablesTest {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final String META = "'creationTimestamp':'2026-01-01T11:55:00Z'";
  static final String TEMPLATE = "'template':{'spec':{'containers':[{'name':'web','image':'nginx:1'},{'name':'log','image':'busybox'}]}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("deployment", "apps", "{'kind':'Deployment','metadata':{'name':'web'," + META + "},'spec':{'replicas':3,"
            + "'selector':{'matchLabels':{'app':'web','tier':'fe'}}," + TEMPLATE + "},'status':{'readyReplicas':2,"
            + "'updatedReplicas':3,'availableReplicas':2}}",
            List.of("web", "2/3", 3L, 2L, "5m", "web,log", "nginx:1,busybox", "app=web,tier=fe")),
        Arguments.of("replicaset", "apps", "{'kind':'ReplicaSet','metadata':{'name':'web-1'," + META + "},'spec':{'replicas':3,"
            + "'selector':{'matchExpressions':[{'key':'app','operator':'In','values':['b','a']}]}," + TEMPLATE + "},"
            + "'status':{'replicas':3,'readyReplicas':1}}",
            List.of("web-1", 3L, 3L, 1L, "5m", "web,log", "nginx:1,busybox", "app in (a,b)")),
        Arguments.of("daemonset", "apps", "{'kind':'DaemonSet','metadata':{'name':'agent'," + META + "},'spec':{"
            + "'selector':{'matchLabels':{'app':'a'}},'template':{'spec':{'nodeSelector':{'os':'linux'},'containers':[{'name':'a',"
            + "'image':'i'}]}}},'status':{'desiredNumberScheduled':2,'currentNumberScheduled':2,'numberReady':1,"
            + "'updatedNumberScheduled':2,'numberAvailable':1}}",
            List.of("agent", 2L, 2L, 1L, 2L, 1L, "os=linux", "5m", "a", "i", "app=a")),
        Arguments.of("statefulset", "apps", "{'kind':'StatefulSet','metadata':{'name':'db'," + META + "},'spec':{'replicas':2,"
            + TEMPLATE + "},'status':{'readyReplicas':2}}", List.of("db", "2/2", "5m", "web,log", "nginx:1,busybox")),
        Arguments.of("running job", "batch", "{'kind':'Job','metadata':{'name':'pi'," + META + "},'spec':{'completions':3,"
            + "'selector':{'matchLabels':{'x':'y'}}," + TEMPLATE + "},'status':{'succeeded':1,'startTime':'2026-01-01T11:58:00Z'}}",
            List.of("pi", "Running", "1/3", "2m", "5m", "web,log", "nginx:1,busybox", "x=y")),
        Arguments.of("complete job", "batch", "{'kind':'Job','metadata':{'name':'pi'," + META + "},'spec':{'parallelism':2},"
            + "'status':{'succeeded':1,'startTime':'2026-01-01T11:56:00Z','completionTime':'2026-01-01T11:56:30Z',"
            + "'conditions':[{'type':'Complete','status':'True'}]}}",
            List.of("pi", "Complete", "1/1 of 2", "30s", "5m", "", "", "<none>")),
        Arguments.of("cronjob", "batch", "{'kind':'CronJob','metadata':{'name':'c'," + META + "},'spec':{'schedule':'*/5 * * * *',"
            + "'suspend':false,'jobTemplate':{'spec':{" + TEMPLATE + "}}},'status':{'active':[{'name':'c-1'}],"
            + "'lastScheduleTime':'2026-01-01T11:59:00Z'}}",
            List.of("c", "*/5 * * * *", "<none>", "False", 1L, "60s", "5m", "web,log", "nginx:1,busybox", "<none>")),
        Arguments.of("cluster ip service", "", "{'kind':'Service','metadata':{'name':'web'," + META + "},'spec':{'type':'ClusterIP',"
            + "'clusterIP':'10.96.0.10','clusterIPs':['10.96.0.10'],'ports':[{'port':80,'protocol':'TCP'},{'port':53,"
            + "'protocol':'UDP'}],'selector':{'app':'web'}}}",
            List.of("web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "5m", "app=web")),
        Arguments.of("node port service", "", "{'kind':'Service','metadata':{'name':'web'," + META + "},'spec':{'type':'NodePort',"
            + "'clusterIP':'10.96.0.11','ports':[{'port':80,'nodePort':30080,'protocol':'TCP'}]}}",
            List.of("web", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "5m", "<none>")),
        Arguments.of("pending load balancer", "", "{'kind':'Service','metadata':{'name':'lb'," + META + "},'spec':{'type':'LoadBalancer',"
            + "'clusterIP':'10.96.0.12','ports':[{'port':443,'nodePort':31443,'protocol':'TCP'}]}}",
            List.of("lb", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "5m", "<none>")),
        Arguments.of("ready cordoned control plane node", "", "{'kind':'Node','metadata':{'name':'n1'," + META + ",'labels':{"
            + "'node-role.kubernetes.io/control-plane':'','node-role.kubernetes.io/worker':''}},'spec':{'unschedulable':true},"
            + "'status':{'conditions':[{'type':'Ready','status':'True'}],'addresses':[{'type':'InternalIP','address':'10.0.0.1'}],"
            + "'nodeInfo':{'kubeletVersion':'v1.32.0','osImage':'Debian','kernelVersion':'6.1','containerRuntimeVersion':'jk://0.1'}}}",
            List.of("n1", "Ready,SchedulingDisabled", "control-plane,worker", "5m", "v1.32.0", "10.0.0.1", "<none>", "Debian",
                "6.1", "jk://0.1")),
        Arguments.of("node without heartbeat", "", "{'kind':'Node','metadata':{'name':'n2'," + META + "},'status':{'conditions':["
            + "{'type':'Ready','status':'Unknown'}]}}",
            List.of("n2", "NotReady", "<none>", "5m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>")),
        Arguments.of("namespace", "", "{'kind':'Namespace','metadata':{'name':'dev'," + META + "},'status':{'phase':'Active'}}",
            List.of("dev", "Active", "5m")),
        Arguments.of("configmap", "", "{'kind':'ConfigMap','metadata':{'name':'c'," + META + "},'data':{'a':'1','b':'2'},"
            + "'binaryData':{'c':'AA=='}}", List.of("c", 3L, "5m")),
        Arguments.of("secret", "", "{'kind':'Secret','metadata':{'name':'s'," + META + "},'type':'Opaque','data':{'a':'MQ=='}}",
            List.of("s", "Opaque", 1L, "5m")),
        Arguments.of("event", "", "{'kind':'Event','metadata':{'name':'p.1'," + META + "},'type':'Normal','reason':'Pulled',"
            + "'involvedObject':{'kind':'Pod','name':'p','fieldPath':'spec.containers{a}'},'source':{'component':'kubelet',"
            + "'host':'n1'},'message':'Pulled image ','firstTimestamp':'2026-01-01T11:50:00Z','lastTimestamp':"
            + "'2026-01-01T11:59:30Z','count':4}",
            List.of("30s", "Normal", "Pulled", "pod/p", "spec.containers{a}", "kubelet, n1", "Pulled image", "10m", 4L, "p.1")),
        Arguments.of("events.k8s.io event", "events.k8s.io", "{'kind':'Event','metadata':{'name':'e'," + META + "},'type':'Warning',"
            + "'reason':'FailedScheduling','regarding':{'kind':'Pod','name':'p'},'reportingController':'default-scheduler',"
            + "'note':'0/1 nodes','eventTime':'2026-01-01T11:58:00.000000Z'}",
            List.of("2m", "Warning", "FailedScheduling", "pod/p", "", "default-scheduler", "0/1 nodes", "2m", 1L, "e")),
        Arguments.of("endpoints", "", "{'kind':'Endpoints','metadata':{'name':'web'," + META + "},'subsets':[{'addresses':["
            + "{'ip':'10.1.0.1'},{'ip':'10.1.0.2'}],'ports':[{'port':80},{'port':8080,'name':'b'}]}]}",
            List.of("web", "10.1.0.1:80,10.1.0.2:80,10.1.0.1:8080 + 1 more...", "5m")),
        Arguments.of("endpoints without subsets", "", "{'kind':'Endpoints','metadata':{'name':'web'," + META + "}}",
            List.of("web", "<none>", "5m")),
        Arguments.of("endpointslice", "discovery.k8s.io", "{'kind':'EndpointSlice','metadata':{'name':'web-abc'," + META + "},"
            + "'addressType':'IPv4','ports':[{'port':80}],'endpoints':[{'addresses':['10.1.0.1']},{'addresses':['10.1.0.2']}]}",
            List.of("web-abc", "IPv4", "80", "10.1.0.1,10.1.0.2", "5m")),
        Arguments.of("lease", "coordination.k8s.io", "{'kind':'Lease','metadata':{'name':'n1'," + META + "},"
            + "'spec':{'holderIdentity':'n1'}}", List.of("n1", "n1", "5m")),
        Arguments.of("serviceaccount", "", "{'kind':'ServiceAccount','metadata':{'name':'default'," + META + "}}",
            List.of("default", 0L, "5m")),
        Arguments.of("pdb", "policy", "{'kind':'PodDisruptionBudget','metadata':{'name':'p'," + META + "},'spec':{'minAvailable':'50%'},"
            + "'status':{'disruptionsAllowed':1}}", List.of("p", "50%", "N/A", 1L, "5m")),
        Arguments.of("priorityclass", "scheduling.k8s.io", "{'kind':'PriorityClass','metadata':{'name':'hi'," + META + "},"
            + "'value':1000,'globalDefault':false,'preemptionPolicy':'Never'}", List.of("hi", 1000L, false, "5m", "Never")),
        Arguments.of("clusterrolebinding", "rbac.authorization.k8s.io", "{'kind':'ClusterRoleBinding','metadata':{'name':"
            + "'system:node'," + META + "},'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':"
            + "'system:node'},'subjects':[{'kind':'Group','name':'system:nodes'},{'kind':'ServiceAccount','namespace':'kube-system',"
            + "'name':'a'},{'kind':'User','name':'u'}]}",
            List.of("system:node", "ClusterRole/system:node", "5m", "u", "system:nodes", "kube-system/a")),
        Arguments.of("clusterroles print the default table", "rbac.authorization.k8s.io", "{'kind':'ClusterRole','metadata':"
            + "{'name':'system:node'," + META + "}}", List.of("system:node", "2026-01-01T11:55:00Z")),
        Arguments.of("a kind without printer", "example.com", "{'kind':'Widget','metadata':{'name':'w'," + META + "}}",
            List.of("w", "2026-01-01T11:55:00Z")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void printsRowsAsKubectl(String name, String group, String json, List<Object> want) {
    ObjectNode obj = Fixtures.json(json);
    ResourceStrategy s = Strategies.forKind(group, obj.get("kind").asText());
    List<Object> cells = s.tableCells(obj, NOW);
    assertEquals(want, cells);
    List<TableColumn> cols = s.tableColumns();
    assertEquals(cols.size(), cells.size(), "one cell per column");
    assertEquals(1, cols.stream().filter(c -> c.format().equals("name")).count(), "one name column");
  }
}

package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Creates an object through the strategy as the handler does and checks the error kubectl would print. */
class ValidationMessagesTest {

  static final String POD = "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'d'},"
      + "'spec':{'containers':[{'name':'c','image':'busybox'}]}}";
  static final String DEPLOY = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'bad','namespace':'d'},"
      + "'spec':{'selector':{'matchLabels':{'app':'x'}},'template':{'metadata':{'labels':{'app':'x'}},"
      + "'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("negative replicas", "apps", DEPLOY.replace("'selector'", "'replicas':-1,'selector'"),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        Arguments.of("selector must match template labels", "apps", DEPLOY.replace("'labels':{'app':'x'}", "'labels':{'app':'y'}"),
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"y\"}: `selector` does not match template `labels`"),
        Arguments.of("selector is required", "apps", DEPLOY.replace("'selector':{'matchLabels':{'app':'x'}},", ""),
            "spec.selector: Required value"),
        Arguments.of("upper-case pod name", "", POD.replace("'name':'p'", "'name':'Bad'"),
            "metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                + "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
        Arguments.of("image is required", "", POD.replace(",'image':'busybox'", ""),
            "spec.containers[0].image: Required value"),
        Arguments.of("container names are unique", "", POD.replace("}]}}", "},{'name':'c','image':'x'}]}}"),
            "spec.containers[1].name: Duplicate value: \"c\""),
        Arguments.of("restart policy values", "", POD.replace("'containers'", "'restartPolicy':'Sometimes','containers'"),
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""),
        Arguments.of("container port range", "", POD.replace("'image':'busybox'", "'image':'busybox','ports':[{'containerPort':70000}]"),
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
        Arguments.of("requests above limits", "", POD.replace("'image':'busybox'",
                "'image':'busybox','resources':{'requests':{'cpu':'2'},'limits':{'cpu':'1'}}"),
            "spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1"),
        Arguments.of("bad quantity", "", POD.replace("'image':'busybox'",
                "'image':'busybox','resources':{'limits':{'memory':'12XB'}}"),
            "spec.containers[0].resources.limits[memory]: Invalid value: \"12XB\": quantities must match the regular "
                + "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
        Arguments.of("mount of a missing volume", "", POD.replace("'image':'busybox'",
                "'image':'busybox','volumeMounts':[{'name':'data','mountPath':'/d'}]"),
            "spec.containers[0].volumeMounts[0].name: Not found: \"data\""),
        Arguments.of("service names are DNS-1035 labels", "", "{'kind':'Service','metadata':{'name':'1web'},"
                + "'spec':{'ports':[{'port':80}]}}",
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters "
                + "or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  "
                + "or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"),
        Arguments.of("several service ports need names", "", "{'kind':'Service','metadata':{'name':'web'},"
                + "'spec':{'ports':[{'port':80},{'port':81,'name':'b'}]}}",
            "spec.ports[0].name: Required value"),
        Arguments.of("namespace names are labels", "", "{'kind':'Namespace','metadata':{'name':'a.b'}}",
            "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                + "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                + "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
        Arguments.of("config map keys", "", "{'kind':'ConfigMap','metadata':{'name':'c'},'data':{'a b':'x'}}",
            "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or "
                + "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
        Arguments.of("name or generateName", "", "{'kind':'ConfigMap','metadata':{}}",
            "metadata.name: Required value: name or generateName is required"),
        Arguments.of("jobs may not restart Always", "batch", "{'kind':'Job','metadata':{'name':'j','uid':'u'},'spec':{'template':"
                + "{'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}",
            "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
        Arguments.of("cron schedule", "batch", "{'kind':'CronJob','metadata':{'name':'c'},'spec':{'schedule':'61 * * * *',"
                + "'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'b'}]}}}}}}",
            "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"),
        Arguments.of("secret data must be base64", "", "{'kind':'Secret','metadata':{'name':'s'},'data':{'a':'not base64!'}}",
            "data[a]: Invalid value: \"<value omitted>\": illegal base64 data"),
        Arguments.of("annotations at most 256 KiB", "", "{'kind':'ConfigMap','metadata':{'name':'c','annotations':{'a':'"
                + "x".repeat(262144) + "'}}}",
            "metadata.annotations: Too long: must have at most 262144 bytes"),
        Arguments.of("label values", "", "{'kind':'ConfigMap','metadata':{'name':'c','labels':{'a':'-x'}}}",
            "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric "
                + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                + "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        Arguments.of("one volume source", "", POD.replace("'containers'", "'volumes':[{'name':'v','emptyDir':{},'hostPath':{'path':'/'}}],'containers'"),
            "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"),
        Arguments.of("volume names are unique", "", POD.replace("'containers'", "'volumes':[{'name':'v'},{'name':'v'}],'containers'"),
            "spec.volumes[1].name: Duplicate value: \"v\""),
        Arguments.of("env names", "", POD.replace("'image':'busybox'", "'image':'busybox','env':[{'name':'1X','value':'y'}]"),
            "spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of"),
        Arguments.of("service port names are unique", "", "{'kind':'Service','metadata':{'name':'web'},"
                + "'spec':{'ports':[{'port':80,'name':'a'},{'port':81,'name':'a'}]}}",
            "spec.ports[1].name: Duplicate value: \"a\""),
        Arguments.of("service port range", "", "{'kind':'Service','metadata':{'name':'web'},'spec':{'ports':[{'port':0}]}}",
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
        Arguments.of("event in another namespace than its object", "", "{'kind':'Event','metadata':{'name':'e','namespace':'a'},"
                + "'involvedObject':{'kind':'Pod','namespace':'b','name':'p'}}",
            "involvedObject.namespace: Invalid value: \"b\": does not match event.namespace"),
        Arguments.of("user priority classes are capped", "scheduling.k8s.io", "{'kind':'PriorityClass','metadata':{'name':'x'},"
                + "'value':2000000000}",
            "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
        Arguments.of("pdb takes one of min and max", "policy", "{'kind':'PodDisruptionBudget','metadata':{'name':'p'},"
                + "'spec':{'minAvailable':1,'maxUnavailable':1}}",
            "spec: Invalid value: {\"minAvailable\":1,\"maxUnavailable\":1}: minAvailable and maxUnavailable cannot be both set"),
        Arguments.of("lease duration positive", "coordination.k8s.io", "{'kind':'Lease','metadata':{'name':'l'},"
                + "'spec':{'leaseDurationSeconds':0}}",
            "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"),
        Arguments.of("rolling update needs room", "apps", DEPLOY.replace("'selector'",
                "'strategy':{'rollingUpdate':{'maxSurge':0,'maxUnavailable':'0%'}},'selector'"),
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"),
        Arguments.of("endpoint slice addresses match the type", "discovery.k8s.io", "{'kind':'EndpointSlice','metadata':"
                + "{'name':'e'},'addressType':'IPv4','endpoints':[{'addresses':['fe80::1']}]}",
            "endpoints[0].addresses[0]: Invalid value: \"fe80::1\": must be a valid IPv4 address"),
        Arguments.of("node taint effects", "", "{'kind':'Node','metadata':{'name':'n'},'spec':{'taints':[{'key':'k','effect':'Bad'}]}}",
            "spec.taints[0].effect: Unsupported value: \"Bad\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""),
        Arguments.of("service cluster IP must be an IP", "", "{'kind':'Service','metadata':{'name':'web'},"
                + "'spec':{'clusterIP':'10.0.0.300','ports':[{'port':80}]}}",
            "spec.clusterIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
        Arguments.of("resource names are standard or qualified", "", POD.replace("'image':'busybox'",
                "'image':'busybox','resources':{'limits':{'gpu':'1'}}"),
            "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified"),
        Arguments.of("host network host ports match", "", POD.replace("'containers'", "'hostNetwork':true,'containers'")
                .replace("'image':'busybox'", "'image':'busybox','ports':[{'containerPort':80,'hostPort':81}]"),
            "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true"),
        Arguments.of("a host port once per pod", "", POD.replace("'image':'busybox'}]",
                "'image':'busybox','ports':[{'containerPort':80,'hostPort':8080}]},{'name':'d','image':'b',"
                    + "'ports':[{'containerPort':81,'hostPort':8080}]}]"),
            "spec.containers[1].ports[0].hostPort: Duplicate value: \"8080/TCP\""),
        Arguments.of("init containers have no probes", "", POD.replace("'containers'",
                "'initContainers':[{'name':'i','image':'b','readinessProbe':{'exec':{'command':['true']}}}],'containers'"),
            "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"),
        Arguments.of("app containers have no restart policy", "", POD.replace("'image':'busybox'",
                "'image':'busybox','restartPolicy':'Always'"),
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"),
        Arguments.of("toleration seconds need NoExecute", "", POD.replace("'containers'",
                "'tolerations':[{'key':'k','operator':'Exists','effect':'NoSchedule','tolerationSeconds':5}],'containers'"),
            "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rejectsWithKubernetesMessage(String name, String group, String json, String want) {
    ObjectNode obj = Fixtures.json(json);
    ResourceStrategy s = Strategies.forKind(group, obj.get("kind").asText());
    s.prepareForCreate(obj);
    s.applyDefaults(obj);
    List<FieldError> errs = s.validate(obj);
    List<String> got = errs.stream().map(e -> e.field() + ": " + e.message()).toList();
    assertTrue(got.stream().anyMatch(g -> g.startsWith(want)), () -> "want " + want + "\n got " + got);
  }
}

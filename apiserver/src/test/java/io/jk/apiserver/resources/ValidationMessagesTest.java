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
            "metadata.name: Required value: name or generateName is required"));
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
    assertTrue(got.contains(want), () -> "want " + want + "\n got " + got);
  }
}

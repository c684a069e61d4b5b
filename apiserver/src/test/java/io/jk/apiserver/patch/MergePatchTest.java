package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MergePatchTest {

  static Stream<Arguments> cases() {
    // RFC 7386 appendix A examples, plus Kubernetes-shaped ones
    return Stream.of(
        Arguments.of("replace a value", "{'a':'b'}", "{'a':'c'}", "{'a':'c'}"),
        Arguments.of("add a member", "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}"),
        Arguments.of("null deletes", "{'a':'b'}", "{'a':null}", "{}"),
        Arguments.of("null deletes one of two", "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}"),
        Arguments.of("lists replace", "{'a':['b']}", "{'a':'c'}", "{'a':'c'}"),
        Arguments.of("value becomes list", "{'a':'c'}", "{'a':['b']}", "{'a':['b']}"),
        Arguments.of("nested merge with delete", "{'a':{'b':'c'}}",
            "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}"),
        Arguments.of("list of objects replaced", "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}"),
        Arguments.of("scalar becomes object, nulls dropped", "{'e':null}",
            "{'a':1}", "{'e':null,'a':1}"),
        Arguments.of("object into scalar", "{'a':'foo'}", "{'a':{'bb':{'ccc':null}}}",
            "{'a':{'bb':{}}}"),
        Arguments.of("configmap key deletion", "{'data':{'a':'1','b':'1'}}",
            "{'data':{'a':null,'b':'2'}}", "{'data':{'b':'2'}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void merges(String name, String original, String patch, String want) {
    JsonNode orig = json(original);
    assertEquals(json(want), MergePatch.apply(orig, json(patch)));
    assertEquals(json(original), orig, "input must not change");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPatches")
  void rejectsNonObjectPatches(String patch) {
    assertEquals(400, assertThrows(PatchException.class,
        () -> MergePatch.apply(json("{}"), json(patch))).statusCode());
  }

  static Stream<String> badPatches() {
    return Stream.of("[]", "1", "'x'", "null");
  }
}

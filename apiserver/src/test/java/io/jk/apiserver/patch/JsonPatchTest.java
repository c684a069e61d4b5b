package io.jk.apiserver.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonPatchTest {

  static JsonNode json(String s) {
    try {
      return Json.mapper().readTree(s.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(s, e);
    }
  }

  static final String DOC = "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},"
      + "'spec':{'list':[1,2,3]}}";

  static Stream<Arguments> applies() {
    return Stream.of(
        Arguments.of("add a member", "[{'op':'add','path':'/metadata/x','value':1}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'},'x':1},"
                + "'spec':{'list':[1,2,3]}}"),
        Arguments.of("add inserts into a list", "[{'op':'add','path':'/spec/list/1','value':9}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,9,2,3]}}"),
        Arguments.of("dash appends", "[{'op':'add','path':'/spec/list/-','value':4}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,2,3,4]}}"),
        Arguments.of("add at the end index", "[{'op':'add','path':'/spec/list/3','value':4}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,2,3,4]}}"),
        Arguments.of("remove with ~1 escape", "[{'op':'remove','path':'/metadata/labels/a~1b'}]",
            "{'metadata':{'name':'web','labels':{'m~n':'2'}},'spec':{'list':[1,2,3]}}"),
        Arguments.of("replace with ~0 escape",
            "[{'op':'replace','path':'/metadata/labels/m~0n','value':'3'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'3'}},'spec':{'list':[1,2,3]}}"),
        Arguments.of("move", "[{'op':'move','from':'/spec/list','path':'/list'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{},'list':[1,2,3]}"),
        Arguments.of("copy", "[{'op':'copy','from':'/metadata/name','path':'/spec/name'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},"
                + "'spec':{'list':[1,2,3],'name':'web'}}"),
        Arguments.of("test then replace", "[{'op':'test','path':'/spec/list/0','value':1.0},"
                + "{'op':'replace','path':'/spec/list/0','value':0}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[0,2,3]}}"),
        Arguments.of("replace the root", "[{'op':'replace','path':'','value':{'a':1}}]",
            "{'a':1}"),
        Arguments.of("negative index counts from the end (as Kubernetes)",
            "[{'op':'remove','path':'/spec/list/-1'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,2]}}"),
        Arguments.of("negative add index inserts from the end (as Kubernetes)",
            "[{'op':'add','path':'/spec/list/-2','value':7}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,2,7,3]}}"),
        Arguments.of("leading zeros are accepted (as Kubernetes)",
            "[{'op':'remove','path':'/spec/list/01'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,3]}}"),
        Arguments.of("replace of a missing member adds it (as Kubernetes)",
            "[{'op':'replace','path':'/metadata/zz','value':1}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'},'zz':1},"
                + "'spec':{'list':[1,2,3]}}"),
        Arguments.of("a missing value is null (as Kubernetes)", "[{'op':'add','path':'/a'}]",
            "{'metadata':{'name':'web','labels':{'a/b':'1','m~n':'2'}},'spec':{'list':[1,2,3]},"
                + "'a':null}"),
        Arguments.of("empty patch", "[]", DOC));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("applies")
  void applies(String name, String patch, String want) {
    JsonNode original = json(DOC);
    JsonNode result = JsonPatch.apply(original, json(patch));
    assertEquals(json(want), result);
    assertEquals(json(DOC), original, "input must not change");
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("test fails", "[{'op':'test','path':'/metadata/name','value':'db'}]", 422),
        Arguments.of("remove a missing member", "[{'op':'remove','path':'/metadata/zz'}]", 422),
        Arguments.of("add under a missing parent", "[{'op':'add','path':'/a/b','value':1}]", 422),
        Arguments.of("index out of bounds", "[{'op':'add','path':'/spec/list/5','value':1}]", 422),
        Arguments.of("remove index out of bounds", "[{'op':'remove','path':'/spec/list/3'}]", 422),
        Arguments.of("negative index out of bounds",
            "[{'op':'remove','path':'/spec/list/-4'}]", 422),
        Arguments.of("replace index out of bounds",
            "[{'op':'replace','path':'/spec/list/3','value':1}]", 422),
        Arguments.of("not a number as index", "[{'op':'add','path':'/spec/list/x','value':1}]",
            422),
        Arguments.of("move into own child", "[{'op':'move','from':'/spec','path':'/spec/x'}]", 422),
        Arguments.of("not a list", "{'op':'add'}", 400),
        Arguments.of("unknown op", "[{'op':'frob','path':'/a'}]", 400),
        Arguments.of("missing path", "[{'op':'remove'}]", 400),
        Arguments.of("operation is not an object", "[1]", 400),
        Arguments.of("pointer without slash", "[{'op':'remove','path':'metadata'}]", 400),
        Arguments.of("bad tilde escape", "[{'op':'remove','path':'/a~2'}]", 400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void failures(String name, String patch, int code) {
    PatchException e = assertThrows(PatchException.class,
        () -> JsonPatch.apply(json(DOC), json(patch)));
    assertEquals(code, e.statusCode(), e.getMessage());
  }

  @Test
  void failedTestLeavesNothingApplied() {
    JsonNode original = json(DOC);
    assertThrows(PatchException.class, () -> JsonPatch.apply(original, json(
        "[{'op':'remove','path':'/spec'},{'op':'test','path':'/metadata/name','value':'x'}]")));
    assertEquals(json(DOC), original);
  }

  @Test
  void messageNamesTheFailedTest() {
    PatchException e = assertThrows(PatchException.class, () -> JsonPatch.apply(json(DOC),
        json("[{'op':'test','path':'/metadata/name','value':'db'}]")));
    assertEquals("testing value /metadata/name failed: test failed", e.getMessage());
  }
}

package io.jk.apiserver.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The scan that routes {@code nodes/<name>/proxy} requests accepts exactly the paths its regex does. */
class NodeProxyPathTest {

  private static final Pattern PATH = Pattern.compile("^/api/v1/nodes/([^/]+)/proxy(/.*)?$");

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"/api/v1/nodes/n1/proxy", "/api/v1/nodes/n1/proxy/", "/api/v1/nodes/n1/proxy/stats/summary",
      "/api/v1/nodes/n1/proxyx", "/api/v1/nodes//proxy", "/api/v1/nodes/n1", "/api/v1/nodes/n1/", "/api/v1/nodes/n1/status",
      "/api/v1/nodes/a/b/proxy", "/api/v1/nodes/n1/proxy/a\nb", "/api/v1/nodes/n1/prox", "/api/v1/nodes/", "/api/v1/nodes",
      "/api/v1/namespaces/n1/proxy", "/api/v1/nodes/n%2F1/proxy/logs/", "", "/"})
  void scanAgreesWithTheRegex(String path) {
    assertEquals(PATH.matcher(path).matches(), NodeProxy.isProxyPath(path));
  }
}

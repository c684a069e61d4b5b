package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a kubelet may do with service account tokens and reviews. */
class NodeAuthorizerTokenTest {

  private static final UserInfo N1 = new UserInfo("system:node:n1", "", List.of("system:nodes", "system:authenticated"));

  private static JsonNode pod(String ns, String name, String account) throws Exception {
    return Json.mapper().readTree("{\"metadata\":{\"namespace\":\"" + ns + "\",\"name\":\"" + name + "\"},\"spec\":{"
        + (account == null ? "" : "\"serviceAccountName\":\"" + account + "\",") + "\"nodeName\":\"n1\"}}");
  }

  private static RequestAttributes token(String ns, String account) {
    return RequestAttributes.fromHttp("POST", "/api/v1/namespaces/" + ns + "/serviceaccounts/" + account + "/token", null);
  }

  @Test
  void aKubeletMayRequestTokensOfTheAccountsItsPodsRunAs() throws Exception {
    List<JsonNode> pods = List.of(pod("team", "web", "builder"), pod("default", "plain", null));
    NodeAuthorizer scoped = new NodeAuthorizer(p -> Optional.empty(), node -> node.equals("n1") ? pods : List.of());
    assertTrue(scoped.authorize(N1, token("team", "builder")).allowed());
    assertTrue(scoped.authorize(N1, token("default", "default")).allowed(), "no serviceAccountName means default");
    Decision other = scoped.authorize(N1, token("team", "admin"));
    assertEquals(false, other.allowed());
    assertEquals("no relationship found between node 'n1' and this object", other.reason());
    assertEquals(false, scoped.authorize(N1, RequestAttributes.fromHttp("GET",
        "/api/v1/namespaces/team/serviceaccounts/builder/token", null)).allowed(), "create only");

    // without the pod index, the TokenRequest handler alone checks the bound pod
    assertTrue(new NodeAuthorizer(p -> Optional.empty()).authorize(N1, token("team", "admin")).allowed());
    assertTrue(scoped.authorize(N1, RequestAttributes.fromHttp("POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews", null)).allowed(), "kubectl auth whoami");
  }
}

package io.jk.apiserver.serviceaccount;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.apiserver.admission.ServiceAccountAdmission;
import io.jk.apiserver.server.ApiServerCommand;
import io.jk.common.client.Clients;
import io.jk.common.json.Json;
import io.jk.common.kubeconfig.Kubeconfigs;
import io.vertx.core.Vertx;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Service accounts through the real API server process setup (HTTPS, client certificates,
 * {@code <data-dir>/pki/sa.key}) and the real kubectl: {@code kubectl create token}, {@code kubectl
 * auth whoami} with the token, pod-bound tokens dying with their pod, the ServiceAccount
 * admission, and tokens surviving a restart.
 */
class ServiceAccountApiTest {

  private static Path dataDir;
  private static Vertx vertx;
  private static ApiServerCommand.Running running;
  private static KubernetesClient admin;

  @BeforeAll
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("jk-sa-test");
    vertx = Vertx.vertx();
    running = command().start(vertx);
    admin = Clients.fromKubeconfig(running.adminKubeconfig());
    // no controller-manager here: the default account is made by hand
    admin.serviceAccounts().inNamespace("default").resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("default").endMetadata().build()).create();
    // RBAC: the account may read what the tests read with its tokens (view in default)
    admin.rbac().roleBindings().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.rbac
        .RoleBindingBuilder().withNewMetadata().withName("default-view").endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
        .addNewSubject().withKind("ServiceAccount").withName("default").withNamespace("default").endSubject().build())
        .create();
  }

  private static ApiServerCommand command() {
    ApiServerCommand c = new ApiServerCommand();
    new CommandLine(c).parseArgs("--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1", "--secure-port", "0");
    return c;
  }

  @AfterAll
  static void stop() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (running != null) {
      running.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  record Out(int code, String text) {}

  private static Out kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir",
        dataDir.resolve("cache").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " did not finish");
    return new Out(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
  }

  private static boolean kubectlPresent() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  /** A kubeconfig for the same server and CA that authenticates with {@code token}. */
  private static Path tokenKubeconfig(String name, String token) throws Exception {
    Path file = dataDir.resolve(name + ".kubeconfig");
    String ca = new String(Base64.getDecoder().decode(admin.getConfiguration().getCaCertData()), StandardCharsets.US_ASCII);
    Kubeconfigs.write(file, Kubeconfigs.Spec.withToken(admin.getMasterUrl().toString(), ca, "jk", name, token, "default"));
    return file;
  }

  private static JsonNode claims(String token) throws Exception {
    return Json.mapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
  }

  @Test
  void kubectlCreateTokenThenWhoamiWithItIsTheServiceAccount() throws Exception {
    Assumptions.assumeTrue(kubectlPresent(), "kubectl is not on PATH");
    Out created = kubectl(running.adminKubeconfig(), "create", "token", "default");
    assertEquals(0, created.code(), created.text());
    String token = created.text();
    JsonNode c = claims(token);
    assertEquals("system:serviceaccount:default:default", c.path("sub").asText());
    assertEquals(ServiceAccountTokens.DEFAULT_ISSUER, c.path("iss").asText());
    assertEquals(3600, c.path("exp").asLong() - c.path("iat").asLong(), "default lifetime is an hour");
    assertEquals(admin.serviceAccounts().inNamespace("default").withName("default").get().getMetadata().getUid(),
        c.path("kubernetes.io").path("serviceaccount").path("uid").asText());

    Path kubeconfig = tokenKubeconfig("sa", token);
    Out whoami = kubectl(kubeconfig, "auth", "whoami", "-o", "json");
    assertEquals(0, whoami.code(), whoami.text());
    JsonNode user = Json.mapper().readTree(whoami.text()).path("status").path("userInfo");
    assertEquals("system:serviceaccount:default:default", user.path("username").asText());
    List<String> groups = new ArrayList<>();
    user.path("groups").forEach(g -> groups.add(g.asText()));
    assertEquals(List.of("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"), groups);
    // and the token reaches what RBAC grants the account (view in default)
    Out get = kubectl(kubeconfig, "get", "serviceaccount", "default", "-o", "jsonpath={.metadata.name}");
    assertEquals(new Out(0, "default"), get);

    Out longer = kubectl(running.adminKubeconfig(), "create", "token", "default", "--duration=2h", "--audience=vault");
    assertEquals(0, longer.code(), longer.text());
    assertEquals(7200, claims(longer.text()).path("exp").asLong() - claims(longer.text()).path("iat").asLong());
    Out wrongAudience = kubectl(tokenKubeconfig("vault", longer.text()), "auth", "whoami");
    assertNotEquals(0, wrongAudience.code(), "a token for another audience is not accepted by the API server");
    assertTrue(wrongAudience.text().contains("Unauthorized"), wrongAudience.text());

    Out tooShort = kubectl(running.adminKubeconfig(), "create", "token", "default", "--duration=5m");
    assertNotEquals(0, tooShort.code());
    assertTrue(tooShort.text().contains("may not specify a duration less than 10 minutes"), tooShort.text());
  }

  @Test
  void discoveryListsTheTokenSubresourceAndTheReviewsAndATokenReviewSaysWhoATokenIs() throws Exception {
    Assumptions.assumeTrue(kubectlPresent(), "kubectl is not on PATH");
    Out resources = kubectl(running.adminKubeconfig(), "api-resources", "--api-group=authentication.k8s.io", "-o", "name");
    assertEquals(0, resources.code(), resources.text());
    assertTrue(resources.text().contains("selfsubjectreviews.authentication.k8s.io"), resources.text());
    assertTrue(resources.text().contains("tokenreviews.authentication.k8s.io"), resources.text());
    Out core = kubectl(running.adminKubeconfig(), "get", "--raw", "/api/v1");
    assertTrue(core.text().contains("\"serviceaccounts/token\""), core.text());

    String token = kubectl(running.adminKubeconfig(), "create", "token", "default").text();
    Path review = dataDir.resolve("review.json");
    Files.writeString(review, "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\""
        + token + "\"}}");
    Out reviewed = kubectl(running.adminKubeconfig(), "create", "-f", review.toString(), "-o", "json");
    assertEquals(0, reviewed.code(), reviewed.text());
    JsonNode status = Json.mapper().readTree(reviewed.text()).path("status");
    assertTrue(status.path("authenticated").asBoolean(), reviewed.text());
    assertEquals("system:serviceaccount:default:default", status.path("user").path("username").asText());
    Files.writeString(review, "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\""
        + token.substring(0, token.length() - 4) + "AAAA\"}}");
    Out forged = kubectl(running.adminKubeconfig(), "create", "-f", review.toString(), "-o", "json");
    assertEquals(0, forged.code(), forged.text());
    assertTrue(!Json.mapper().readTree(forged.text()).path("status").path("authenticated").asBoolean(), forged.text());
  }

  @Test
  void aMissingServiceAccountIs404() throws Exception {
    Assumptions.assumeTrue(kubectlPresent(), "kubectl is not on PATH");
    Out out = kubectl(running.adminKubeconfig(), "create", "token", "nobody");
    assertNotEquals(0, out.code());
    assertTrue(out.text().contains("serviceaccounts \"nobody\" not found"), out.text());
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> admin.serviceAccounts()
        .inNamespace("default").withName("nobody").tokenRequest(new io.fabric8.kubernetes.api.model.authentication
            .TokenRequestBuilder().withNewSpec().endSpec().build()));
    assertEquals(404, e.getCode());
  }

  @Test
  void aPodGetsTheKubeApiAccessVolumeAndItsBoundTokenDiesWithIt() throws Exception {
    Pod pod = admin.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("bound")
        .endMetadata().withNewSpec().addNewInitContainer().withName("init").withImage("busybox").endInitContainer()
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
    assertEquals("default", pod.getSpec().getServiceAccountName());
    Volume v = pod.getSpec().getVolumes().get(0);
    assertTrue(v.getName().matches("kube-api-access-[a-z0-9]{5}"), v.getName());
    assertEquals(3607L, v.getProjected().getSources().get(0).getServiceAccountToken().getExpirationSeconds());
    assertEquals("kube-root-ca.crt", v.getProjected().getSources().get(1).getConfigMap().getName());
    assertEquals("metadata.namespace", v.getProjected().getSources().get(2).getDownwardAPI().getItems().get(0)
        .getFieldRef().getFieldPath());
    for (var c : List.of(pod.getSpec().getInitContainers().get(0), pod.getSpec().getContainers().get(0))) {
      assertEquals(ServiceAccountAdmission.MOUNT_PATH, c.getVolumeMounts().get(0).getMountPath());
      assertEquals(v.getName(), c.getVolumeMounts().get(0).getName());
      assertTrue(c.getVolumeMounts().get(0).getReadOnly());
    }

    var response = admin.serviceAccounts().inNamespace("default").withName("default").tokenRequest(
        new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
            .withNewBoundObjectRef().withKind("Pod").withApiVersion("v1").withName("bound")
            .withUid(pod.getMetadata().getUid()).endBoundObjectRef().withExpirationSeconds(3607L).endSpec().build());
    String token = response.getStatus().getToken();
    JsonNode c = claims(token);
    assertEquals("bound", c.path("kubernetes.io").path("pod").path("name").asText());
    assertEquals(pod.getMetadata().getUid(), c.path("kubernetes.io").path("pod").path("uid").asText());
    assertTrue(c.path("exp").asLong() - c.path("iat").asLong() > 300L * 24 * 3600,
        "the kubelet's 3607 s token is extended, as kube-apiserver does");
    assertEquals(c.path("iat").asLong() + 3607, c.path("kubernetes.io").path("warnafter").asLong());

    try (KubernetesClient asPod = Clients.fromKubeconfig(tokenKubeconfig("bound", token))) {
      assertEquals("bound", asPod.pods().inNamespace("default").withName("bound").get().getMetadata().getName());
      admin.pods().inNamespace("default").withName("bound").withGracePeriod(0).delete();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
            () -> asPod.serviceAccounts().inNamespace("default").list());
        assertEquals(401, e.getCode(), "a deleted pod's token no longer authenticates");
      });
    }
  }

  @Test
  void admissionRefusesAPodWhoseAccountIsMissingAndHonoursAutomountFalse() {
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("no-accounts").endMetadata().build())
        .create();
    KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> admin.pods()
        .inNamespace("no-accounts").resource(new PodBuilder().withNewMetadata().withName("p").endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build())
        .create());
    assertEquals(403, e.getCode());
    assertTrue(e.getMessage().contains("error looking up service account no-accounts/default: serviceaccount "
        + "\"default\" not found"), e.getMessage());

    admin.serviceAccounts().inNamespace("no-accounts").resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("quiet").endMetadata().withAutomountServiceAccountToken(false).build()).create();
    Pod quiet = admin.pods().inNamespace("no-accounts").resource(new PodBuilder().withNewMetadata().withName("q")
        .endMetadata().withNewSpec().withServiceAccountName("quiet").addNewContainer().withName("c")
        .withImage("busybox").endContainer().endSpec().build()).create();
    assertTrue(quiet.getSpec().getVolumes() == null || quiet.getSpec().getVolumes().isEmpty(),
        "the account says no automount: " + quiet.getSpec().getVolumes());
    Pod loud = admin.pods().inNamespace("no-accounts").resource(new PodBuilder().withNewMetadata().withName("l")
        .endMetadata().withNewSpec().withServiceAccountName("quiet").withAutomountServiceAccountToken(true)
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
    assertEquals(1, loud.getSpec().getVolumes().size(), "the pod's own setting wins");
  }

  @Test
  void aKubeletGetsTokensOnlyBoundToPodsOnItsNode() throws Exception {
    var ca = new io.jk.apiserver.tls.CertificateAuthority(io.jk.apiserver.tls.Pem.readCertificates(
        Files.readString(dataDir.resolve("pki/ca.crt"))).get(0),
        io.jk.apiserver.tls.Pem.readPrivateKey(Files.readString(dataDir.resolve("pki/ca.key"))));
    var cert = ca.issueClientCertificate("system:node:n1", List.of("system:nodes"), Duration.ofHours(1));
    Path kubeconfig = dataDir.resolve("n1.kubeconfig");
    Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate(admin.getMasterUrl().toString(),
        ca.certificatePem(), "jk", "n1", cert.certificatePem(), cert.privateKeyPem(), "default"));
    String here = admin.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("on-n1")
        .endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("busybox")
        .endContainer().endSpec().build()).create().getMetadata().getUid();
    String there = admin.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("on-n2")
        .endMetadata().withNewSpec().withNodeName("n2").addNewContainer().withName("c").withImage("busybox")
        .endContainer().endSpec().build()).create().getMetadata().getUid();
    try (KubernetesClient kubelet = Clients.fromKubeconfig(kubeconfig)) {
      java.util.function.BiFunction<String, String, io.fabric8.kubernetes.api.model.authentication.TokenRequest> ask =
          (pod, uid) -> kubelet.serviceAccounts().inNamespace("default").withName("default").tokenRequest(
              new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
                  .withExpirationSeconds(3607L).withNewBoundObjectRef().withKind("Pod").withApiVersion("v1")
                  .withName(pod).withUid(uid).endBoundObjectRef().endSpec().build());
      String token = ask.apply("on-n1", here).getStatus().getToken();
      assertEquals("n1", claims(token).path("kubernetes.io").path("node").path("name").asText());
      KubernetesClientException other = assertThrows(KubernetesClientException.class, () -> ask.apply("on-n2", there));
      assertEquals(403, other.getCode());
      assertTrue(other.getMessage().contains("bound to a pod scheduled on a different node"), other.getMessage());
      KubernetesClientException unbound = assertThrows(KubernetesClientException.class, () -> kubelet.serviceAccounts()
          .inNamespace("default").withName("default").tokenRequest(new io.fabric8.kubernetes.api.model.authentication
              .TokenRequestBuilder().withNewSpec().endSpec().build()));
      assertEquals(403, unbound.getCode());
      KubernetesClientException stale = assertThrows(KubernetesClientException.class, () -> ask.apply("on-n1", "old-uid"));
      assertEquals(409, stale.getCode(), "the pod was recreated under the kubelet's feet");
    } finally {
      admin.pods().inNamespace("default").withName("on-n1").withGracePeriod(0).delete();
      admin.pods().inNamespace("default").withName("on-n2").withGracePeriod(0).delete();
    }
  }

  @Test
  void tokensOutliveARestartBecauseTheKeyIsKept() throws Exception {
    String token = admin.serviceAccounts().inNamespace("default").withName("default").tokenRequest(
        new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec().endSpec().build())
        .getStatus().getToken();
    byte[] key = Files.readAllBytes(dataDir.resolve("pki").resolve("sa.key"));
    running.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    admin.close();
    running = command().start(vertx);
    admin = Clients.fromKubeconfig(running.adminKubeconfig());
    assertTrue(java.util.Arrays.equals(key, Files.readAllBytes(dataDir.resolve("pki").resolve("sa.key"))));
    try (KubernetesClient asSa = Clients.fromKubeconfig(tokenKubeconfig("restart", token))) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertEquals("default", asSa.serviceAccounts().inNamespace("default").withName("default").get()
              .getMetadata().getName()));
    }
  }
}

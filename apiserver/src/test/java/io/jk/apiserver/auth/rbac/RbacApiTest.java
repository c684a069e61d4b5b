package io.jk.apiserver.auth.rbac;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.apiserver.server.ApiServerCommand;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.apiserver.tls.Pem;
import io.jk.common.client.Clients;
import io.jk.common.kubeconfig.Kubeconfigs;
import io.vertx.core.Vertx;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * RBAC through the real API server set-up (HTTPS, client certificates, tokens, the default
 * {@code --authorization-mode=Node,RBAC}), driven by fabric8 and the real kubectl, as users of a
 * Kubernetes cluster would meet it.
 */
class RbacApiTest {

  private static Path dataDir;
  private static Vertx vertx;
  private static ApiServerCommand.Running running;
  private static KubernetesClient admin;
  private static CertificateAuthority ca;
  private static String server;
  private static final List<KubernetesClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("jk-rbac-test");
    vertx = Vertx.vertx();
    Path tokens = Files.writeString(dataDir.resolve("tokens.csv"), "bob-token,bob,uid-bob\n");
    ApiServerCommand c = new ApiServerCommand();
    new CommandLine(c).parseArgs("--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1", "--secure-port", "0",
        "--token-auth-file", tokens.toString());
    running = c.start(vertx);
    admin = Clients.fromKubeconfig(running.adminKubeconfig());
    server = admin.getMasterUrl().toString().replaceAll("/$", "");
    Path pki = dataDir.resolve("pki");
    ca = new CertificateAuthority(Pem.readCertificates(Files.readString(pki.resolve("ca.crt"))).get(0),
        Pem.readPrivateKey(Files.readString(pki.resolve("ca.key"))));
    for (String ns : List.of("team-a", "esc")) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    clients.forEach(KubernetesClient::close);
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

  /** A kubeconfig with a client certificate for {@code user} in {@code groups}. */
  private static Path certKubeconfig(String user, List<String> groups) throws Exception {
    IssuedCertificate cert = ca.issueClientCertificate(user, groups, Duration.ofHours(1));
    Path file = dataDir.resolve(user.replace(':', '_') + ".kubeconfig");
    Kubeconfigs.write(file, Kubeconfigs.Spec.withClientCertificate(server, ca.certificatePem(), "jk", user,
        cert.certificatePem(), cert.privateKeyPem(), "default"));
    return file;
  }

  private static Path tokenKubeconfig(String name, String token) throws Exception {
    Path file = dataDir.resolve(name + ".kubeconfig");
    Kubeconfigs.write(file, Kubeconfigs.Spec.withToken(server, ca.certificatePem(), "jk", name, token, "default"));
    return file;
  }

  private static KubernetesClient client(Path kubeconfig) {
    KubernetesClient c = Clients.fromKubeconfig(kubeconfig);
    clients.add(c);
    return c;
  }

  private static KubernetesClientException forbidden(org.junit.jupiter.api.function.Executable call) {
    KubernetesClientException e = assertThrows(KubernetesClientException.class, call);
    assertEquals(403, e.getCode(), e.getMessage());
    return e;
  }

  private static void bind(String ns, String name, String roleKind, String role, String subjectKind, String subject) {
    admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName(name)
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", roleKind, role)
        .withSubjects(new SubjectBuilder().withKind(subjectKind).withName(subject)
            .withNamespace(subjectKind.equals("ServiceAccount") ? ns : null).build()).build()).create();
  }

  private static void role(String ns, String name, String group, String resource, String... verbs) {
    admin.rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName(name).endMetadata()
        .withRules(new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build())
        .build()).create();
  }

  @Test
  void userInNoGroupIsDeniedWithKubernetesMessage() throws Exception {
    KubernetesClient alice = client(certKubeconfig("alice", List.of()));
    KubernetesClientException e = forbidden(() -> alice.pods().inNamespace("default").list());
    assertTrue(e.getStatus().getMessage().equals(
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""),
        e.getStatus().getMessage());
    forbidden(() -> alice.nodes().withName("n1").get());
    // discovery stays open to every authenticated user (system:discovery)
    assertEquals("v1.32.0", alice.getKubernetesVersion().getGitVersion());
  }

  @Test
  void roleBindingLetsAUserListPodsInOneNamespaceOnly() throws Exception {
    KubernetesClient bob = client(tokenKubeconfig("bob", "bob-token"));
    forbidden(() -> bob.pods().inNamespace("team-a").list());
    role("team-a", "pod-reader", "", "pods", "get", "list", "watch");
    bind("team-a", "bob-reads-pods", "Role", "pod-reader", "User", "bob");
    long bound = System.nanoTime();
    // within a second on a quiet machine; the bound leaves room for a loaded shared one
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> bob.pods().inNamespace("team-a").list() != null);
    System.out.println("RoleBinding took effect after ms=" + (System.nanoTime() - bound) / 1_000_000);
    KubernetesClientException e = forbidden(() -> bob.pods().inNamespace("default").list());
    assertTrue(e.getStatus().getMessage().endsWith("in the namespace \"default\""), e.getStatus().getMessage());
    forbidden(() -> bob.configMaps().inNamespace("team-a").list());
  }

  @Test
  void clusterRoleBindingToViewReadsEverywhereButCannotWrite() throws Exception {
    KubernetesClient carol = client(certKubeconfig("carol", List.of("readers")));
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("readers-view").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
        .withSubjects(new SubjectBuilder().withKind("Group").withName("readers").build()).build()).create();
    await().atMost(Duration.ofSeconds(2)).ignoreExceptions()
        .until(() -> carol.pods().inNamespace("kube-system").list() != null);
    carol.apps().deployments().inNamespace("default").list();
    carol.configMaps().inNamespace("team-a").list();
    forbidden(() -> carol.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("nope").endMetadata().build()).create());
    forbidden(() -> carol.secrets().inNamespace("default").list());
    forbidden(() -> carol.rbac().roles().inNamespace("default").list());
  }

  @Test
  void aClusterRoleLabelledAggregateToViewExtendsView() throws Exception {
    KubernetesClient dan = client(certKubeconfig("dan", List.of()));
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("dan-view").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
        .withSubjects(new SubjectBuilder().withKind("User").withName("dan").build()).build()).create();
    await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> dan.pods().inNamespace("default").list() != null);
    forbidden(() -> dan.scheduling().v1().priorityClasses().list());
    admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("priority-viewer")
        .addToLabels("rbac.authorization.k8s.io/aggregate-to-view", "true").endMetadata()
        .withRules(new PolicyRuleBuilder().withApiGroups("scheduling.k8s.io").withResources("priorityclasses")
            .withVerbs("get", "list", "watch").build()).build()).create();
    await().atMost(Duration.ofSeconds(2)).ignoreExceptions()
        .until(() -> dan.scheduling().v1().priorityClasses().list() != null);
    // view is aggregated into edit, and edit into admin
    await().atMost(Duration.ofSeconds(2)).until(() -> grants(admin.rbac().clusterRoles().withName("admin").get(),
        "priorityclasses"));
    assertTrue(grants(admin.rbac().clusterRoles().withName("edit").get(), "priorityclasses"));
    admin.rbac().clusterRoles().withName("priority-viewer").delete();
    await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
      forbidden(() -> dan.scheduling().v1().priorityClasses().list());
      return true;
    });
  }

  private static boolean grants(ClusterRole role, String resource) {
    return role.getRules().stream().anyMatch(r -> r.getResources().contains(resource));
  }

  @Test
  void serviceAccountTokenCannotReadSecretsUntilARoleBindingGrantsIt() throws Exception {
    admin.serviceAccounts().inNamespace("team-a").resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("app").endMetadata().build()).create();
    admin.secrets().inNamespace("team-a").resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
        .addToStringData("password", "s3cret").build()).create();
    String token = admin.serviceAccounts().inNamespace("team-a").withName("app")
        .tokenRequest(new TokenRequestBuilder().withNewSpec().endSpec().build()).getStatus().getToken();
    KubernetesClient app = client(tokenKubeconfig("app", token));
    KubernetesClientException e = forbidden(() -> app.secrets().inNamespace("team-a").withName("db").get());
    assertEquals("secrets \"db\" is forbidden: User \"system:serviceaccount:team-a:app\" cannot get resource "
        + "\"secrets\" in API group \"\" in the namespace \"team-a\"", e.getStatus().getMessage());
    role("team-a", "secret-reader", "", "secrets", "get");
    bind("team-a", "app-reads-secrets", "Role", "secret-reader", "ServiceAccount", "app");
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> app.secrets().inNamespace("team-a").withName("db").get() != null);
    forbidden(() -> app.secrets().inNamespace("team-a").list());
  }

  @Test
  void aUserCannotGrantPermissionsTheyDoNotHold() throws Exception {
    KubernetesClient erin = client(certKubeconfig("erin", List.of()));
    admin.rbac().roles().inNamespace("esc").resource(new RoleBuilder().withNewMetadata().withName("role-maker")
        .endMetadata().withRules(new PolicyRuleBuilder().withApiGroups("rbac.authorization.k8s.io")
            .withResources("roles", "rolebindings").withVerbs("create", "get", "update", "patch").build(),
            new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "list").build()).build())
        .create();
    bind("esc", "erin-makes-roles", "Role", "role-maker", "User", "erin");
    await().atMost(Duration.ofSeconds(3)).ignoreExceptions()
        .until(() -> erin.rbac().roles().inNamespace("esc").withName("role-maker").get() != null);
    // what erin holds she may grant
    erin.rbac().roles().inNamespace("esc").resource(new RoleBuilder().withNewMetadata().withName("pod-get")
        .endMetadata().withRules(new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get")
            .build()).build()).create();
    KubernetesClientException e = forbidden(() -> erin.rbac().roles().inNamespace("esc").resource(new RoleBuilder()
        .withNewMetadata().withName("secret-get").endMetadata().withRules(new PolicyRuleBuilder().withApiGroups("")
            .withResources("secrets").withVerbs("get").build()).build()).create());
    assertTrue(e.getStatus().getMessage().startsWith("roles.rbac.authorization.k8s.io \"secret-get\" is forbidden: "
        + "user \"erin\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently "
        + "held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}"), e.getStatus().getMessage());
    // nor by editing a role she may update
    forbidden(() -> erin.rbac().roles().inNamespace("esc").withName("pod-get").edit(r -> new RoleBuilder(r)
        .addToRules(new PolicyRuleBuilder().withApiGroups("").withResources("secrets").withVerbs("list").build())
        .build()));
    // binding a role whose permissions she lacks needs bind on it
    forbidden(() -> erin.rbac().roleBindings().inNamespace("esc").resource(new RoleBindingBuilder().withNewMetadata()
        .withName("erin-admin").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "admin")
        .withSubjects(new SubjectBuilder().withKind("User").withName("erin").build()).build()).create());
    erin.rbac().roleBindings().inNamespace("esc").resource(new RoleBindingBuilder().withNewMetadata()
        .withName("frank-pod-get").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "pod-get")
        .withSubjects(new SubjectBuilder().withKind("User").withName("frank").build()).build()).create();
  }

  @Test
  void accessReviewsAnswerForTheCallerAndForOthers() throws Exception {
    role("team-a", "cm-reader", "", "configmaps", "get");
    bind("team-a", "gina-reads-cm", "Role", "cm-reader", "User", "gina");
    await().atMost(Duration.ofSeconds(3)).until(() -> sar("gina", "team-a", "get", "", "configmaps"));
    assertTrue(!sar("gina", "default", "get", "", "configmaps"));
    assertTrue(!sar("gina", "team-a", "delete", "", "configmaps"));
    KubernetesClient gina = client(certKubeconfig("gina", List.of()));
    assertTrue(gina.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
        .withNewSpec().withNewResourceAttributes().withNamespace("team-a").withVerb("get").withResource("configmaps")
        .endResourceAttributes().endSpec().build()).getStatus().getAllowed());
    // creating SubjectAccessReviews is itself authorized
    forbidden(() -> gina.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
        .withNewSpec().withUser("gina").withNewResourceAttributes().withVerb("get").withResource("pods")
        .endResourceAttributes().endSpec().build()));
  }

  private static boolean sar(String user, String ns, String verb, String group, String resource) {
    SubjectAccessReview review = admin.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:authenticated").withNewResourceAttributes().withNamespace(ns)
        .withVerb(verb).withGroup(group).withResource(resource).endResourceAttributes().endSpec().build());
    return review.getStatus().getAllowed();
  }

  @Test
  void nonResourceUrlsFollowThePublicInfoAndMonitoringRoles() throws Exception {
    HttpClient anonymous = HttpClient.newBuilder().sslContext(trusting()).build();
    HttpResponse<String> health = anonymous.send(HttpRequest.newBuilder(URI.create(server + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    KubernetesClient alice = client(certKubeconfig("alice2", List.of()));
    KubernetesClientException e = forbidden(() -> alice.raw(server + "/metrics"));
    Out plain = kubectlOrSkip(certKubeconfig("harry", List.of()), "get", "--raw", "/metrics");
    assertEquals(1, plain.code(), plain.text());
    assertTrue(plain.text().contains("forbidden: User \"harry\" cannot get path \"/metrics\""), plain.text());
    Out monitor = kubectlOrSkip(certKubeconfig("prometheus", List.of("system:monitoring")), "get", "--raw", "/metrics");
    assertEquals(0, monitor.code(), monitor.text());
    assertTrue(monitor.text().contains("apiserver_request_total"), monitor.text());
  }

  private static javax.net.ssl.SSLContext trusting() throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pem.readCertificates(ca.certificatePem()).get(0));
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  @Test
  void kubectlAuthCanIAsTheUserAndWithTheUsersKubeconfig() throws Exception {
    role("team-a", "deploy-lister", "apps", "deployments", "list");
    bind("team-a", "ivy-lists-deployments", "Role", "deploy-lister", "User", "ivy");
    Path ivy = certKubeconfig("ivy", List.of());
    await().atMost(Duration.ofSeconds(3)).until(() -> sar("ivy", "team-a", "list", "apps", "deployments"));
    Out yes = kubectlOrSkip(running.adminKubeconfig(), "auth", "can-i", "list", "deployments.apps", "--as", "ivy",
        "-n", "team-a");
    assertEquals(new Out(0, "yes"), yes);
    Out no = kubectlOrSkip(running.adminKubeconfig(), "auth", "can-i", "list", "deployments.apps", "--as", "ivy",
        "-n", "default");
    assertEquals(new Out(1, "no"), no);
    assertEquals(new Out(0, "yes"), kubectlOrSkip(ivy, "auth", "can-i", "list", "deployments.apps", "-n", "team-a"));
    assertEquals(new Out(1, "no"), kubectlOrSkip(ivy, "auth", "can-i", "delete", "deployments.apps", "-n", "team-a"));
    // impersonation itself is authorized: ivy may not act as the admin
    Out impersonating = kubectlOrSkip(ivy, "auth", "can-i", "list", "pods", "--as", "jk-admin");
    assertTrue(impersonating.text().contains("cannot impersonate resource \"users\""), impersonating.text());
    Out list = kubectlOrSkip(ivy, "auth", "can-i", "--list", "-n", "team-a");
    assertEquals(0, list.code(), list.text());
    List<String> lines = list.text().lines().map(l -> l.replaceAll("\\s+", " ").trim()).toList();
    assertEquals("Resources Non-Resource URLs Resource Names Verbs", lines.get(0), list.text());
    assertTrue(lines.contains("deployments.apps [] [] [list]"), list.text());
    assertTrue(lines.contains("selfsubjectaccessreviews.authorization.k8s.io [] [] [create]"), list.text());
    assertTrue(lines.contains("[/healthz] [] [get]"), list.text());
  }

  @Test
  void theAuthorizationApiIsInDiscovery() throws Exception {
    Out out = kubectlOrSkip(running.adminKubeconfig(), "api-resources", "--api-group=authorization.k8s.io",
        "--no-headers");
    assertEquals(0, out.code(), out.text());
    List<String> lines = out.text().lines().map(l -> l.replaceAll("\\s+", " ").trim()).sorted().toList();
    assertEquals(List.of("localsubjectaccessreviews authorization.k8s.io/v1 true LocalSubjectAccessReview",
        "selfsubjectaccessreviews authorization.k8s.io/v1 false SelfSubjectAccessReview",
        "selfsubjectrulesreviews authorization.k8s.io/v1 false SelfSubjectRulesReview",
        "subjectaccessreviews authorization.k8s.io/v1 false SubjectAccessReview"), lines);
  }

  record Out(int code, String text) {}

  private static Out kubectlOrSkip(Path kubeconfig, String... args) throws Exception {
    Assumptions.assumeTrue(kubectlPresent(), "kubectl is not on PATH");
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--request-timeout=20s", "--kubeconfig", kubeconfig.toString(), "--cache-dir",
        dataDir.resolve("cache").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    // read before waiting: a large output (/metrics) would otherwise fill the pipe and stall kubectl
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " did not finish");
    return new Out(p.exitValue(), text);
  }

  private static boolean kubectlPresent() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, "kubectl"))) {
        return true;
      }
    }
    return false;
  }
}

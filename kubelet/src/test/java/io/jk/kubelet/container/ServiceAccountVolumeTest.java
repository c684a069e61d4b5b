package io.jk.kubelet.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.serviceaccount.ServiceAccountTokens;
import io.jk.apiserver.serviceaccount.SigningKey;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.common.client.Clients;
import io.jk.common.json.Json;
import io.jk.kubelet.volume.DefaultVolumeManager;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet's volume manager against an API server that issues service account tokens: the
 * {@code kube-api-access-*} volume the admission adds to a pod holds a token bound to that pod
 * that the API server accepts, the cluster CA and the namespace.
 */
class ServiceAccountVolumeTest {

  @TempDir
  Path dir;

  @Test
  void theKubeApiAccessVolumeHoldsAWorkingPodBoundTokenTheCaAndTheNamespace() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "projected volumes are tmpfs mounts: root");
    Vertx vertx = Vertx.vertx();
    Store store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
    ServiceAccountTokens tokens = new ServiceAccountTokens(SigningKey.loadOrCreate(dir.resolve("sa.key")), null, List.of());
    ApiServer server = new ApiServer(vertx, ApiServerConfig.defaults(), store, tokens);
    server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + server.port();
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: " + url
        + "}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n"
        + "current-context: c\n");
    Path root = dir.resolve("kubelet");
    try (KubernetesClient client = Clients.fromKubeconfig(kubeconfig);
        DefaultVolumeManager volumes = new DefaultVolumeManager(root, client, Map.of())) {
      client.serviceAccounts().inNamespace("default").resource(new ServiceAccountBuilder().withNewMetadata()
          .withName("default").endMetadata().build()).create();
      client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
          .withName("kube-root-ca.crt").endMetadata().withData(Map.of("ca.crt", "the-ca")).build()).create();
      Pod pod = client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("app")
          .endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("busybox")
          .endContainer().endSpec().build()).create();
      String volume = pod.getSpec().getVolumes().get(0).getName();
      Map<String, Path> paths = volumes.setUp(pod).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try {
        Path dirOnHost = paths.get(volume);
        assertEquals("default", Files.readString(dirOnHost.resolve("namespace")));
        assertEquals("the-ca", Files.readString(dirOnHost.resolve("ca.crt")));
        String token = Files.readString(dirOnHost.resolve("token"));
        JsonNode claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals(pod.getMetadata().getUid(), claims.path("kubernetes.io").path("pod").path("uid").asText());

        HttpResponse<String> review = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(url + "/apis/authentication.k8s.io/v1/tokenreviews")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":"
                + "\"TokenReview\",\"spec\":{\"token\":\"" + token + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode status = Json.mapper().readTree(review.body()).path("status");
        assertTrue(status.path("authenticated").asBoolean(), review.body());
        assertEquals("system:serviceaccount:default:default", status.path("user").path("username").asText());
      } finally {
        volumes.tearDown(pod.getMetadata().getUid()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      server.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      store.close();
      vertx.close();
    }
  }
}

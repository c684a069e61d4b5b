package io.jk.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.testing.TestApiServer;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes against a real in-process API server; tmpfs mounts as root. */
class DefaultVolumeManagerTest {

  static TestApiServer api;
  static KubernetesClient client;

  @TempDir Path root;
  private DefaultVolumeManager volumes;
  private final String uid = UUID.randomUUID().toString();

  @BeforeAll
  static void startApi() {
    api = TestApiServer.start();
    client = api.client();
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  @BeforeEach
  void setUp() {
    assumeTrue("root".equals(System.getProperty("user.name")), "tmpfs volumes need root");
    volumes = new DefaultVolumeManager(root, client, Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi")));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (volumes != null) {
      await(volumes.tearDown(uid));
      volumes.close();
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private Pod pod(Volume... vols) {
    return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid(uid)
        .addToLabels("app", "web").addToLabels("tier", "front").addToAnnotations("note", "say \"hi\"").endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("busybox")
        .withNewResources().addToLimits("memory", new Quantity("64Mi")).addToRequests("cpu", new Quantity("250m")).endResources()
        .endContainer().withVolumes(vols).endSpec().build();
  }

  private static String fsType(Path dir) throws Exception {
    String p = dir.toAbsolutePath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f[4].equals(p)) {
        return line.substring(line.indexOf(" - ") + 3).split(" ")[0];
      }
    }
    return "not mounted";
  }

  private static int mode(Path p) throws Exception {
    return (int) Files.getAttribute(p, "unix:mode") & 0777;
  }

  @Test
  void configMapWithItemsAndModesIsRefreshedAtomically() throws Exception {
    client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("cfg-" + uid.substring(0, 8))
        .endMetadata().addToData("a", "one").addToData("b", "two").addToData("c", "three").build()).create();
    String name = "cfg-" + uid.substring(0, 8);
    Volume v = new VolumeBuilder().withName("cfg").withNewConfigMap().withName(name).withDefaultMode(0640)
        .addNewItem().withKey("a").withPath("sub/a.txt").withMode(0600).endItem()
        .addNewItem().withKey("b").withPath("b.txt").endItem().endConfigMap().build();
    Pod pod = pod(v);
    Path dir = await(volumes.setUp(pod)).get("cfg");
    assertEquals("one", Files.readString(dir.resolve("sub/a.txt")));
    assertEquals("two", Files.readString(dir.resolve("b.txt")));
    assertFalse(Files.exists(dir.resolve("c")), "only the listed items");
    assertEquals(0600, mode(dir.resolve("sub/a.txt")));
    assertEquals(0640, mode(dir.resolve("b.txt")));
    assertTrue(Files.isSymbolicLink(dir.resolve("..data")));
    assertTrue(Files.isSymbolicLink(dir.resolve("b.txt")));
    Path before = Files.readSymbolicLink(dir.resolve("..data"));

    client.configMaps().inNamespace("default").withName(name).edit(cm -> {
      cm.getData().put("a", "uno");
      return cm;
    });
    await(volumes.refresh(pod));
    assertEquals("uno", Files.readString(dir.resolve("sub/a.txt")));
    Path after = Files.readSymbolicLink(dir.resolve("..data"));
    assertFalse(before.equals(after), "..data swapped to a new dir");
    assertFalse(Files.exists(dir.resolve(before)), "old payload removed");
    await(volumes.refresh(pod));
    assertEquals(after, Files.readSymbolicLink(dir.resolve("..data")), "unchanged payload is not rewritten");

    Volume missingKey = new VolumeBuilder().withName("bad").withNewConfigMap().withName(name)
        .addNewItem().withKey("zzz").withPath("z").endItem().endConfigMap().build();
    Exception e = assertThrows(Exception.class, () -> await(volumes.setUp(pod(missingKey))));
    assertTrue(e.getMessage().contains("non-existent config key: zzz"), e.getMessage());
  }

  @Test
  void missingConfigMapFailsUnlessOptional() throws Exception {
    Volume required = new VolumeBuilder().withName("cfg").withNewConfigMap().withName("nope").endConfigMap().build();
    Exception e = assertThrows(Exception.class, () -> await(volumes.setUp(pod(required))));
    assertEquals("configmap \"nope\" not found", e.getMessage());
    Volume optional = new VolumeBuilder().withName("cfg").withNewConfigMap().withName("nope").withOptional(true).endConfigMap().build();
    Path dir = await(volumes.setUp(pod(optional))).get("cfg");
    assertTrue(Files.isDirectory(dir));
    Volume secret = new VolumeBuilder().withName("s").withNewSecret().withSecretName("nope").endSecret().build();
    Exception se = assertThrows(Exception.class, () -> await(volumes.setUp(pod(secret))));
    assertEquals("secret \"nope\" not found", se.getMessage());
  }

  @Test
  void secretLivesOnTmpfsAndTearDownUnmountsIt() throws Exception {
    String name = "sec-" + uid.substring(0, 8);
    client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
        .addToData("password", Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8))).build()).create();
    Volume v = new VolumeBuilder().withName("creds").withNewSecret().withSecretName(name).withDefaultMode(0400).endSecret().build();
    Path dir = await(volumes.setUp(pod(v))).get("creds");
    assertEquals("tmpfs", fsType(dir));
    assertEquals("hunter2", Files.readString(dir.resolve("password")));
    assertEquals(0400, mode(dir.resolve("password")));
    await(volumes.setUp(pod(v))); // idempotent: no second mount
    assertEquals(1, Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(dir.toString())).count());

    await(volumes.tearDown(uid));
    assertEquals("not mounted", fsType(dir));
    assertFalse(Files.exists(root.resolve("pods").resolve(uid).resolve("volumes")));
  }

  @Test
  void downwardApiShowsPodFieldsAndResources() throws Exception {
    Volume v = new VolumeBuilder().withName("info").withNewDownwardAPI()
        .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
        .addNewItem().withPath("annotations").withNewFieldRef().withFieldPath("metadata.annotations").endFieldRef().endItem()
        .addNewItem().withPath("name").withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endItem()
        .addNewItem().withPath("ns").withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endItem()
        .addNewItem().withPath("uid").withNewFieldRef().withFieldPath("metadata.uid").endFieldRef().endItem()
        .addNewItem().withPath("app").withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endItem()
        .addNewItem().withPath("mem_mi").withNewResourceFieldRef().withContainerName("main").withResource("limits.memory")
            .withDivisor(new Quantity("1Mi")).endResourceFieldRef().endItem()
        .addNewItem().withPath("cpu_m").withNewResourceFieldRef().withContainerName("main").withResource("requests.cpu")
            .withDivisor(new Quantity("1m")).endResourceFieldRef().endItem()
        .addNewItem().withPath("cpu_limit").withNewResourceFieldRef().withContainerName("main").withResource("limits.cpu")
            .endResourceFieldRef().endItem()
        .endDownwardAPI().build();
    Path dir = await(volumes.setUp(pod(v))).get("info");
    assertEquals("app=\"web\"\ntier=\"front\"", Files.readString(dir.resolve("labels")));
    assertEquals("note=\"say \\\"hi\\\"\"", Files.readString(dir.resolve("annotations")));
    assertEquals("web", Files.readString(dir.resolve("name")));
    assertEquals("default", Files.readString(dir.resolve("ns")));
    assertEquals(uid, Files.readString(dir.resolve("uid")));
    assertEquals("web", Files.readString(dir.resolve("app")));
    assertEquals("64", Files.readString(dir.resolve("mem_mi")));
    assertEquals("250", Files.readString(dir.resolve("cpu_m")));
    assertEquals("4", Files.readString(dir.resolve("cpu_limit")), "no limit: the node's allocatable");
  }

  @Test
  void emptyDirOnDiskAndInMemory() throws Exception {
    Volume disk = new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build();
    Volume mem = new VolumeBuilder().withName("cache").withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("8Mi")).endEmptyDir().build();
    Map<String, Path> dirs = await(volumes.setUp(pod(disk, mem)));
    assertTrue(Files.isDirectory(dirs.get("scratch")));
    assertEquals(0777, mode(dirs.get("scratch")));
    assertEquals("tmpfs", fsType(dirs.get("cache")));
    assertEquals(8L * 1024 * 1024, Files.getFileStore(dirs.get("cache")).getTotalSpace());
    Files.writeString(dirs.get("cache").resolve("f"), "x");
    await(volumes.tearDown(uid));
    assertEquals("not mounted", fsType(dirs.get("cache")));
    assertFalse(Files.exists(dirs.get("scratch")));
  }

  @Test
  void hostPathTypesAreChecked() throws Exception {
    Path file = Files.writeString(root.resolve("a-file"), "x");
    Volume wrong = new VolumeBuilder().withName("h").withNewHostPath().withPath(file.toString()).withType("Directory").endHostPath().build();
    Exception e = assertThrows(Exception.class, () -> await(volumes.setUp(pod(wrong))));
    assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    Path created = root.resolve("made/here");
    Volume create = new VolumeBuilder().withName("h").withNewHostPath().withPath(created.toString()).withType("DirectoryOrCreate").endHostPath().build();
    assertEquals(created, await(volumes.setUp(pod(create))).get("h"));
    assertTrue(Files.isDirectory(created));
    Volume fileOk = new VolumeBuilder().withName("h").withNewHostPath().withPath(file.toString()).withType("File").endHostPath().build();
    assertEquals(file, await(volumes.setUp(pod(fileOk))).get("h"));
    await(volumes.tearDown(uid));
    assertTrue(Files.exists(file), "tear-down never removes host paths");
  }

  @Test
  void projectedCombinesSources() throws Exception {
    String cm = "pc-" + uid.substring(0, 8);
    String sec = "ps-" + uid.substring(0, 8);
    client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName(cm).endMetadata()
        .addToData("ca.crt", "CERT").build()).create();
    client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName(sec).endMetadata()
        .addToData("token", Base64.getEncoder().encodeToString("tok".getBytes(StandardCharsets.UTF_8))).build()).create();
    Volume v = new VolumeBuilder().withName("all").withNewProjected().withDefaultMode(0444)
        .addNewSource().withNewConfigMap().withName(cm).endConfigMap().endSource()
        .addNewSource().withNewSecret().withName(sec).endSecret().endSource()
        .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace").withNewFieldRef().withFieldPath("metadata.namespace")
            .endFieldRef().endItem().endDownwardAPI().endSource()
        .endProjected().build();
    Path dir = await(volumes.setUp(pod(v))).get("all");
    assertEquals("tmpfs", fsType(dir));
    assertEquals("CERT", Files.readString(dir.resolve("ca.crt")));
    assertEquals("tok", Files.readString(dir.resolve("token")));
    assertEquals("default", Files.readString(dir.resolve("namespace")));
    assertEquals(0444, mode(dir.resolve("token")));
  }

  @Test
  void fsGroupOwnsTheVolumes() throws Exception {
    String name = "fsg-" + uid.substring(0, 8);
    client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
        .addToData("key", Base64.getEncoder().encodeToString("k".getBytes(StandardCharsets.UTF_8))).build()).create();
    Volume secret = new VolumeBuilder().withName("s").withNewSecret().withSecretName(name).withDefaultMode(0400).endSecret().build();
    Volume scratch = new VolumeBuilder().withName("e").withNewEmptyDir().endEmptyDir().build();
    Pod pod = pod(secret, scratch);
    pod.getSpec().setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder().withFsGroup(2000L).build());
    Map<String, Path> dirs = await(volumes.setUp(pod));
    Path key = dirs.get("s").resolve("key");
    assertEquals(2000, Files.getAttribute(key, "unix:gid"));
    assertEquals(0440, mode(key), "group may read the secret");
    assertEquals(2000, Files.getAttribute(dirs.get("e"), "unix:gid"));
    assertEquals(02000, (int) Files.getAttribute(dirs.get("e"), "unix:mode") & 02000, "setgid: new files get the group");
    Path data = Files.readSymbolicLink(dirs.get("s").resolve("..data"));
    await(volumes.refresh(pod));
    assertEquals(data, Files.readSymbolicLink(dirs.get("s").resolve("..data")), "unchanged secret not rewritten");
  }
}

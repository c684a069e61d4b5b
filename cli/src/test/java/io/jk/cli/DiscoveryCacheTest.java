package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jkctl keeps discovery on disk like kubectl: a fresh cache is used instead of asking the server
 * (so {@code get pods} is one request), a type it does not know makes jkctl ask again, and an
 * old one is not used.
 */
class DiscoveryCacheTest {

  static TestApiServer api;
  static Cli cli;

  @BeforeAll
  static void start() {
    api = TestApiServer.start();
    cli = new Cli(api.kubeconfig());
  }

  @AfterAll
  static void stop() {
    cli.close();
    api.close();
  }

  private static Cli.Result jkctl(Path cache, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--cache-dir";
    all[1] = cache.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return cli.jkctlWithEnv(Map.of(), "", all);
  }

  private static Path cacheFile(Path cache) throws Exception {
    String server = Kubeconfig.load(api.kubeconfig()).target(null).server();
    return Discovery.cacheFile(cache, server);
  }

  /** A cache that knows pods only, under the made-up short name {@code pz}. */
  private static void plant(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "[{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\",\"singular\":\"pod\","
        + "\"kind\":\"Pod\",\"namespaced\":true,\"shortNames\":[\"pz\"],\"categories\":[\"all\"],"
        + "\"verbs\":[\"get\",\"list\"]}]");
  }

  @Test
  void firstCommandWritesTheCacheAndLaterOnesUseIt(@TempDir Path cache) throws Exception {
    assertEquals(0, jkctl(cache, "get", "pods").exitCode());
    Path file = cacheFile(cache);
    assertTrue(Files.readString(file).contains("\"deployments\""), "discovery written to " + file);

    plant(file);
    Cli.Result r = jkctl(cache, "get", "pz");
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("No resources found in default namespace.\n", r.err());
  }

  @Test
  void aTypeTheCacheDoesNotKnowMakesJkctlAskTheServerAgain(@TempDir Path cache) throws Exception {
    Path file = cacheFile(cache);
    plant(file);
    Cli.Result r = jkctl(cache, "get", "deployments");
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(Files.readString(file).contains("\"deployments\""), "cache refreshed");
    Cli.Result unknown = jkctl(cache, "get", "nosuchthings");
    assertEquals(1, unknown.exitCode());
    assertEquals("error: the server doesn't have a resource type \"nosuchthings\"\n", unknown.err());
  }

  @Test
  void anOldCacheIsNotUsed(@TempDir Path cache) throws Exception {
    Path file = cacheFile(cache);
    plant(file);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Discovery.TTL).minusSeconds(60)));
    Cli.Result r = jkctl(cache, "get", "pz");
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("the server doesn't have a resource type \"pz\""), r::toString);
  }
}

package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.apiserver.auth.ClientCertificateAuthenticator;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.ClusterPki;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.apiserver.tls.ServingIdentity;
import io.jk.apiserver.tls.TlsServerOptions;
import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daemon's warm HTTPS clients against a server that checks client certificates: a kubeconfig
 * whose certificate the server does not trust fails through the daemon exactly as through a JVM
 * of its own, right after and right before one that works; and a kept client is not used once
 * the certificate files it was made from have changed on disk.
 */
class DaemonTlsTest {

  static Path pkiDir;
  static ClusterPki pki;
  static TestApiServer api;
  static JkctlBinary jk;
  static String server;

  @BeforeAll
  static void start() throws Exception {
    pkiDir = Files.createTempDirectory("jkctl-daemon-tls");
    pki = ClusterPki.loadOrCreate(pkiDir.resolve("pki"), ServingIdentity.standard(null, null, List.of()));
    api = TestApiServer.start(c -> c.withTls(o -> TlsServerOptions.apply(o, pki))
        .withAuthenticator(new ClientCertificateAuthenticator(pki.clientCaCertificates())));
    server = "https://127.0.0.1:" + api.server().port();
    jk = new JkctlBinary(api.kubeconfig());
    CertificateAuthority ca = pki.authority().orElseThrow();
    write("ca.crt", ca.certificatePem());
    issue(ca, "good");
    issue(CertificateAuthority.create("not-the-cluster-ca", Duration.ofDays(1)), "untrusted");
    use("good");
    for (String name : List.of("kc", "kc-untrusted")) {
      Files.writeString(jk.work.resolve(name), String.join("\n",
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: tls",
          "  cluster: {server: \"" + server + "\", certificate-authority: ca.crt}",
          "users:",
          "- name: u",
          "  user: {client-certificate: " + (name.equals("kc") ? "client" : "untrusted") + ".crt, client-key: "
              + (name.equals("kc") ? "client" : "untrusted") + ".key}",
          "contexts:",
          "- name: tls",
          "  context: {cluster: tls, user: u, namespace: default}",
          "current-context: tls",
          ""));
    }
    Files.writeString(jk.work.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seen}\n");
    JkctlBinary.Result created = jk.runWithoutDaemon(Map.of("KUBECONFIG", "kc"), null, jk.work, "create", "-f", "cm.yaml");
    assertEquals("configmap/seen created\n", created.out(), created::toString);
    jk.startDaemon(jk.launcher);
  }

  /** Issues a client certificate as NAME.crt and NAME.key in the work directory. */
  private static void issue(CertificateAuthority ca, String name) throws Exception {
    IssuedCertificate c = ca.issueClientCertificate("user-" + name, List.of("system:masters"), Duration.ofHours(1));
    write(name + ".crt", c.certificatePem());
    write(name + ".key", c.privateKeyPem());
  }

  /** Makes client.crt/client.key (what kubeconfig kc names) a copy of NAME's. */
  private static void use(String name) throws Exception {
    write("client.crt", Files.readString(jk.work.resolve(name + ".crt")));
    write("client.key", Files.readString(jk.work.resolve(name + ".key")));
  }

  private static void write(String file, String text) throws Exception {
    Files.writeString(jk.work.resolve(file), text);
  }

  @AfterAll
  static void stop() throws Exception {
    if (jk != null) {
      jk.close();
    }
    if (api != null) {
      api.close();
    }
    try (var s = Files.walk(pkiDir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static JkctlBinary.Result both(String kubeconfig) {
    Map<String, String> env = Map.of("KUBECONFIG", kubeconfig);
    JkctlBinary.Result viaDaemon = jk.run(env, null, jk.work, "get", "cm", "-o", "name");
    assertTrue(viaDaemon.byDaemon(), () -> "not served by the daemon: " + viaDaemon);
    JkctlBinary.Result viaJvm = jk.runWithoutDaemon(env, null, jk.work, "get", "cm", "-o", "name");
    // a refused TLS 1.3 client certificate races the client's first write: the JDK reports the
    // server's alert or the broken pipe, whichever it meets first; the message is the same around it
    DaemonSideBySideTest.assertSame(withoutCause(viaJvm), withoutCause(viaDaemon));
    return viaDaemon;
  }

  private static JkctlBinary.Result withoutCause(JkctlBinary.Result r) {
    return new JkctlBinary.Result(r.exitCode(), r.out(), r.err().replaceAll("\\((Broken pipe|Received fatal alert: "
        + "[a-z_]+|Connection reset)\\)$", "(CAUSE)"), r.debug(), r.servedBy());
  }

  @Test
  void aCertificateTheServerDoesNotTrustFailsAsInTheJvmAndNothingCarriesOver() throws Exception {
    JkctlBinary.Result ok = both("kc");
    assertEquals(0, ok.exitCode(), ok::toString);
    assertEquals("configmap/seen\n", ok.out(), ok::toString);

    JkctlBinary.Result refused = both("kc-untrusted");
    assertNotEquals(0, refused.exitCode(), refused::toString);
    assertEquals(ok.out(), both("kc").out());

    // same kubeconfig, same file names, other certificate in them: the kept client is not used
    use("untrusted");
    JkctlBinary.Result changed = both("kc");
    assertEquals(refused.exitCode(), changed.exitCode(), changed::toString);
    use("good");
    assertEquals(ok.out(), both("kc").out());
  }
}

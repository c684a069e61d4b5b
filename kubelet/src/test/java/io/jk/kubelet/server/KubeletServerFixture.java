package io.jk.kubelet.server;

import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A running {@link KubeletServer} on loopback over {@link TestPodContainers}, with a cluster CA,
 * a client certificate it issued (the API server's), a token file, and a stand-in runtime script
 * that behaves like {@code jkrt exec} (runs the command after {@code --} on the host).
 */
final class KubeletServerFixture implements AutoCloseable {

  static final String TOKEN = "test-kubelet-token";

  final Path dir;
  final Vertx vertx = Vertx.vertx();
  final CertificateAuthority ca = CertificateAuthority.create("jk-test-ca", Duration.ofDays(1));
  final IssuedCertificate client = ca.issueClientCertificate("kube-apiserver-kubelet-client",
      List.of("system:masters"), Duration.ofDays(1));
  final TestPodContainers pods = new TestPodContainers();
  final Path runtime;
  final KubeletServer server;

  KubeletServerFixture() throws Exception {
    dir = Files.createTempDirectory("jk-kubelet-server");
    Path caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, ca.certificatePem());
    Path tokens = dir.resolve("tokens.csv");
    Files.writeString(tokens, "# token,user\n" + TOKEN + ",tester\n");
    runtime = dir.resolve("fake-runtime");
    Files.writeString(runtime, String.join("\n",
        "#!/bin/sh",
        "# like jkrt: --root R exec [--tty] ID -- CMD...",
        "[ \"$1\" = --root ] && [ \"$3\" = exec ] || { echo \"bad usage: $*\" >&2; exit 125; }",
        "shift 3",
        "[ \"$1\" = --tty ] && shift",
        "[ \"$1\" = --pid-file ] && { echo $$ > \"$2\"; shift 2; }",
        "shift",
        "[ \"$1\" = -- ] || { echo \"missing --\" >&2; exit 125; }",
        "shift",
        "exec \"$@\"",
        ""));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", 0, null, null, caFile, tokens,
        dir.resolve("state")), pods, "n1", dir.resolve("cgroup"));
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** An HTTPS client presenting the API server's client certificate (or none). */
  HttpClient client(boolean withCertificate) {
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setDefaultHost("127.0.0.1").setDefaultPort(server.port());
    if (withCertificate) {
      o.setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(client.certificatePem()))
          .setKeyValue(Buffer.buffer(client.privateKeyPem())));
    }
    return vertx.createHttpClient(o);
  }

  /** Writes CRI log lines to a new log file. */
  Path log(String name, String... lines) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
    return p;
  }

  @Override
  public void close() throws Exception {
    server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

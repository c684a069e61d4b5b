package io.jk.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/install.sh} into a temporary root ({@code --root}): the installed tree, the links,
 * the systemd units and their environment files, an upgrade in place and the uninstall, with
 * stand-ins for {@code systemctl}, {@code apt-get}, {@code modprobe} and {@code sysctl} first on
 * the PATH that record any call (there must be none). The tarball is laid out like the
 * distribution's from {@code src/dist}.
 */
class InstallScriptTest {

  @TempDir
  Path dir;

  Path root;
  Path calls;
  Path fakeBin;

  record Run(int code, String out) {}

  @BeforeEach
  void setUp() throws Exception {
    root = dir.resolve("root");
    calls = dir.resolve("host-calls.log");
    fakeBin = Files.createDirectories(dir.resolve("fake-bin"));
    for (String tool : List.of("systemctl", "apt-get", "modprobe", "sysctl", "dpkg")) {
      Path f = fakeBin.resolve(tool);
      Files.writeString(f, "#!/bin/sh\necho \"" + tool + " $*\" >>" + calls + "\nexit 0\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** A tarball laid out as the distribution's ({@code jk/bin}, {@code jk/etc/systemd}, ...). */
  private Path tarball(String version) throws Exception {
    Path stage = dir.resolve("stage-" + version);
    Path jk = stage.resolve("jk");
    Files.createDirectories(jk.resolve("lib"));
    Files.createDirectories(jk.resolve("libexec"));
    run(List.of("cp", "-r", Path.of("src", "dist", "bin").toString(), jk.toString()));
    run(List.of("cp", "-r", Path.of("src", "dist", "etc").toString(), jk.toString()));
    Files.writeString(jk.resolve("VERSION"), version + "\n");
    Path t = dir.resolve("jk-" + version + "-linux-amd64.tar.gz");
    Run r = run(List.of("tar", "-C", stage.toString(), "-czf", t.toString(), "jk"));
    assertEquals(0, r.code(), r.out());
    return t;
  }

  private Run install(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", Path.of("install.sh").toString()));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private Run run(List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PATH", fakeBin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish: " + out);
    }
    return new Run(p.exitValue(), out);
  }

  private String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private void assertNoHostChanges() throws IOException {
    assertFalse(Files.exists(calls), () -> "install.sh touched the host: " + read(calls));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void serverInstallsTheTreeTheLinksAndTheUnitWithoutTouchingTheHost() throws Exception {
    Run r = install("server", "--tarball", tarball("1.0.0").toString(), "--root", root.toString(), "--",
        "--node-name", "vm1", "--secure-port", "6443");
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("jk server installed below " + root + " (not started"), r.out());

    assertTrue(Files.isExecutable(root.resolve("opt/jk/bin/jk")));
    assertTrue(Files.isExecutable(root.resolve("opt/jk/bin/jkctl")));
    assertEquals("1.0.0\n", Files.readString(root.resolve("opt/jk/VERSION")));
    assertEquals(Path.of("/opt/jk/bin/jk"), Files.readSymbolicLink(root.resolve("usr/local/bin/jk")));
    assertEquals(Path.of("/opt/jk/bin/jkctl"), Files.readSymbolicLink(root.resolve("usr/local/bin/jkctl")));

    Path unit = root.resolve("etc/systemd/system/jk-server.service");
    assertEquals(Files.readString(Path.of("src/dist/etc/systemd/jk-server.service")), Files.readString(unit));
    assertEquals("rw-r--r--", mode(unit));
    assertTrue(Files.readString(unit).contains(
        "ExecStart=/opt/jk/bin/jk server --data-dir /var/lib/jk/server $JK_SERVER_ARGS\n"));
    assertTrue(Files.readString(unit).contains("EnvironmentFile=-/etc/default/jk-server\n"));
    Path env = root.resolve("etc/default/jk-server");
    assertEquals("JK_SERVER_ARGS=\"--node-name vm1 --secure-port 6443\"\n", Files.readString(env));
    assertEquals("rw-------", mode(env));
    assertFalse(Files.exists(root.resolve("etc/systemd/system/jk-agent.service")));

    assertTrue(Files.isDirectory(root.resolve("var/lib/jk")));
    assertTrue(Files.isDirectory(root.resolve("etc/cni/net.d")));
    assertEquals("net.ipv4.ip_forward=1\n", Files.readString(root.resolve("etc/sysctl.d/90-jk.conf")));
    assertNoHostChanges();
  }

  @Test
  void agentKeepsItsJoinTokenInAPrivateEnvironmentFile() throws Exception {
    Run r = install("agent", "--server", "https://192.0.2.10:6443", "--token", "abcdef.0123456789abcdef",
        "--ca-cert-hash", "sha256:00ff", "--tarball", tarball("1.0.0").toString(), "--root", root.toString());
    assertEquals(0, r.code(), r.out());
    Path env = root.resolve("etc/default/jk-agent");
    assertEquals("JK_SERVER=https://192.0.2.10:6443\nJK_TOKEN=abcdef.0123456789abcdef\n"
        + "JK_AGENT_ARGS=\"--ca-cert-hash sha256:00ff \"\n", Files.readString(env));
    assertEquals("rw-------", mode(env));
    String unit = Files.readString(root.resolve("etc/systemd/system/jk-agent.service"));
    assertTrue(unit.contains("EnvironmentFile=/etc/default/jk-agent\n"), unit);
    assertTrue(unit.contains("ExecStart=/opt/jk/bin/jk agent --server ${JK_SERVER} --data-dir /var/lib/jk/agent "
        + "$JK_AGENT_ARGS\n"), unit);
    assertFalse(unit.contains("JK_TOKEN}"), "the token reaches the agent through its environment, not its command line");
    assertNoHostChanges();
  }

  @Test
  void badUsageFailsWithAReason() throws Exception {
    Path t = tarball("1.0.0");
    Run noToken = install("agent", "--server", "https://192.0.2.10:6443", "--tarball", t.toString(), "--root",
        root.toString());
    assertEquals(1, noToken.code(), noToken.out());
    assertTrue(noToken.out().contains("install.sh: agent needs --token"), noToken.out());
    Run noServer = install("agent", "--token", "x", "--tarball", t.toString(), "--root", root.toString());
    assertEquals(1, noServer.code());
    assertTrue(noServer.out().contains("install.sh: agent needs --server"), noServer.out());
    Run role = install("client", "--root", root.toString());
    assertEquals(1, role.code());
    assertTrue(role.out().contains("usage: install.sh server|agent|uninstall"), role.out());
    Run flag = install("server", "--frobnicate");
    assertEquals(2, flag.code());
    assertTrue(flag.out().contains("install.sh: unknown argument --frobnicate"), flag.out());
    Run missing = install("server", "--tarball", dir.resolve("nope.tar.gz").toString(), "--root", root.toString());
    assertEquals(1, missing.code());
    assertTrue(missing.out().contains("install.sh: no such tarball"), missing.out());
    assertFalse(Files.exists(root.resolve("opt/jk")), "nothing installed by a failed run");
    assertNoHostChanges();
  }

  @Test
  void runningItAgainUpgradesInPlaceAndUninstallKeepsTheState() throws Exception {
    assertEquals(0, install("server", "--tarball", tarball("1.0.0").toString(), "--root", root.toString()).code());
    Files.writeString(root.resolve("opt/jk/stale-file"), "from 1.0.0");
    Files.createDirectories(root.resolve("var/lib/jk/server"));
    Files.writeString(root.resolve("var/lib/jk/server/state"), "cluster state");

    Run up = install("server", "--tarball", tarball("1.1.0").toString(), "--root", root.toString());
    assertEquals(0, up.code(), up.out());
    assertEquals("1.1.0\n", Files.readString(root.resolve("opt/jk/VERSION")));
    assertFalse(Files.exists(root.resolve("opt/jk/stale-file")), "the old tree is replaced, not overlaid");
    assertFalse(Files.exists(root.resolve("opt/jk.old")));
    assertFalse(Files.exists(root.resolve("opt/jk.new")));
    assertEquals("cluster state", Files.readString(root.resolve("var/lib/jk/server/state")));

    Run un = install("uninstall", "--root", root.toString());
    assertEquals(0, un.code(), un.out());
    assertFalse(Files.exists(root.resolve("opt/jk")));
    assertFalse(Files.exists(root.resolve("usr/local/bin/jk"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(root.resolve("usr/local/bin/jkctl"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(root.resolve("etc/systemd/system/jk-server.service")));
    assertEquals("cluster state", Files.readString(root.resolve("var/lib/jk/server/state")), "state is kept");
    assertNoHostChanges();
  }
}

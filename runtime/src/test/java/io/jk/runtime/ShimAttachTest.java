package io.jk.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** jkshim's attach socket: live output, stdin (pipe or terminal), stdinOnce, resize, the exit code. */
class ShimAttachTest {
  private Jkrt rt;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Jkrt.isRoot(), "jkrt needs root to create namespaces, mounts and cgroups");
    rt = new Jkrt();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (rt != null) rt.close();
  }

  private JsonNode startShim(String id, Path bundle, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Jkrt.bin("jkshim").toString(), "--id", id,
        "--bundle", bundle.toString(), "--log", bundle.resolve("ctr.log").toString(),
        "--exit-file", bundle.resolve("exit.json").toString(), "--root", rt.root.toString()));
    cmd.addAll(List.of(extra));
    Jkrt.Result r = Jkrt.exec(cmd);
    Jkrt.assertOk(r);
    JsonNode pids = Bundle.JSON.readTree(r.out());
    rt.track(pids.get("shimPid").asLong());
    return pids;
  }

  /** A client of the shim's frame protocol (type byte, 4-byte big-endian length, payload). */
  static final class Attacher implements AutoCloseable {
    final SocketChannel ch;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    Integer exitCode;
    int accepted = -1;

    Attacher(Path bundle, int flags) throws IOException {
      // the shim listens right after it answered its caller
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(bundle.resolve("attach.sock")));
      ch = SocketChannel.open(UnixDomainSocketAddress.of(bundle.resolve("attach.sock")));
      send('O', new byte[] {(byte) flags});
      Thread t = new Thread(this::readLoop);
      t.setDaemon(true);
      t.start();
    }

    void send(int type, byte[] payload) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(payload.length).put(payload).flip();
      while (b.hasRemaining()) ch.write(b);
    }

    private void readLoop() {
      try {
        ByteBuffer head = ByteBuffer.allocate(5);
        while (true) {
          head.clear();
          while (head.hasRemaining()) if (ch.read(head) < 0) return;
          head.flip();
          int type = head.get() & 0xff;
          ByteBuffer body = ByteBuffer.allocate(head.getInt());
          while (body.hasRemaining()) if (ch.read(body) < 0) return;
          byte[] data = body.array();
          synchronized (this) {
            if (type == 'A') accepted = data[0];
            else if (type == 3) exitCode = Integer.parseInt(new String(data, StandardCharsets.UTF_8));
            else out.writeBytes(data);
          }
        }
      } catch (IOException e) {
        // closed
      }
    }

    synchronized String text() {
      return out.toString(StandardCharsets.UTF_8);
    }

    synchronized Integer exit() {
      return exitCode;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  @Test
  void stdinPipeEchoesBackAndOnceClosesItWhenTheAttacherLeaves() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "while read l; do echo \"got $l\"; done; echo eof; exit 7").writeTo(rt.work);
    startShim(id, bundle, "--stdin", "once");
    try (Attacher a = new Attacher(bundle, 1 | 2 | 4)) {
      a.send(0, "hello\n".getBytes(StandardCharsets.UTF_8));
      await().atMost(Duration.ofSeconds(5)).until(() -> a.text().contains("got hello\n"));
      assertEquals(1, a.accepted, "the shim says stdin is there and no terminal");
      a.send(0xFF, new byte[0]);
      await().atMost(Duration.ofSeconds(5)).until(() -> a.exit() != null);
      assertEquals(7, a.exit());
      assertTrue(a.text().contains("eof\n"), a.text());
    }
    String log = Files.readString(bundle.resolve("ctr.log"));
    assertTrue(log.contains(" stdout F got hello"), log);
  }

  @Test
  void aTerminalTakesInputResizesAndIsLoggedAsStdout() throws Exception {
    String id = rt.newId();
    Bundle b = Bundle.of("sh");
    ((ObjectNode) b.spec.get("process")).put("terminal", true);
    Path bundle = b.writeTo(rt.work);
    startShim(id, bundle, "--stdin", "once", "--tty", "true");
    try (Attacher a = new Attacher(bundle, 1 | 2)) {
      a.send(4, new byte[] {0, 33, 0, 101}); // 33 rows, 101 columns
      a.send(0, "stty size; tty; exit 5\n".getBytes(StandardCharsets.UTF_8));
      await().atMost(Duration.ofSeconds(5)).until(() -> a.exit() != null);
      assertEquals(5, a.exit());
      assertEquals(1 | 8, a.accepted, "stdin and a terminal");
      assertTrue(a.text().contains("33 101\r\n"), a.text());
      assertTrue(a.text().contains("/dev/pts/0\r\n"), a.text());
    }
    String log = Files.readString(bundle.resolve("ctr.log"));
    assertTrue(log.contains(" stdout F 33 101\r"), log);
  }

  @Test
  void anAttacherThatNeverReadsIsDroppedAndTheProcessRunsOn() throws Exception {
    String id = rt.newId();
    // 3.9 MB of output once the attacher is there, then it stays
    Path bundle = Bundle.of("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; i=0; while [ $i -lt 40000 ]; do "
        + "echo 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123; "
        + "i=$((i+1)); done; exec sleep 1000").writeTo(rt.work);
    JsonNode pids = startShim(id, bundle);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(bundle.resolve("attach.sock")));
    try (SocketChannel stuck = SocketChannel.open(UnixDomainSocketAddress.of(bundle.resolve("attach.sock")))) {
      stuck.write(ByteBuffer.allocate(6).put((byte) 'O').putInt(1).put((byte) 2).flip()); // wants stdout, reads nothing yet
      Jkrt.assertOk(Jkrt.exec(List.of("sh", "-c", "touch /proc/" + pids.get("containerPid").asLong() + "/root/tmp/go")));
      // the process got through all of it: everything is logged
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(bundle.resolve("ctr.log")).size() == 40000);
      // the shim gave up on the attacher: what it holds ends well before all the output, then the socket closes
      stuck.configureBlocking(false);
      ByteBuffer b = ByteBuffer.allocate(1 << 16);
      long total = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      int n = 0;
      while (n >= 0 && System.nanoTime() < deadline) {
        n = stuck.read(b.clear());
        total += Math.max(n, 0);
      }
      assertEquals(-1, n, "the shim closed the attachment of a reader that fell behind (read " + total + " bytes)");
      assertTrue(total < 2_500_000, "dropped long before all 3.9 MB of output: " + total);
    }
    Jkrt.assertOk(Jkrt.exec(List.of(Jkrt.bin("jkrt").toString(), "--root", rt.root.toString(), "kill", id, "KILL")));
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(bundle.resolve("exit.json")));
  }

  @Test
  void runcGetsItsTerminalThroughTheSameShim() throws Exception {
    assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/sbin/runc")), "runc is not installed");
    String id = rt.newId();
    Bundle b = Bundle.of("sh");
    ((ObjectNode) b.spec.get("process")).put("terminal", true);
    Path bundle = b.writeTo(rt.work);
    Path runcRoot = java.nio.file.Files.createDirectories(rt.work.resolve("runc-root"));
    startShim(id, bundle, "--runtime", "/usr/sbin/runc", "--root", runcRoot.toString(), "--stdin", "open", "--tty", "true");
    try (Attacher a = new Attacher(bundle, 1 | 2)) {
      a.send(0, "echo via-$((1+1))-runc; exit 6\n".getBytes(StandardCharsets.UTF_8));
      await().atMost(Duration.ofSeconds(10)).until(() -> a.exit() != null);
      assertEquals(6, a.exit());
      assertTrue(a.text().contains("via-2-runc\r\n"), a.text());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !java.nio.file.Files.exists(runcRoot.resolve(id)));
  }

  @Test
  void outputFlowsLiveToLateAttachersAndNobodyAttachedNeverBlocksTheProcess() throws Exception {
    String id = rt.newId();
    // ~2 MiB of output first, with nobody attached: the process must get through it
    Path bundle = Bundle.of("sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123; i=$((i+1)); done; "
        + "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done").writeTo(rt.work);
    startShim(id, bundle);
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(bundle.resolve("ctr.log")).contains("line 2"));
    try (Attacher a = new Attacher(bundle, 2 | 4)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.text().split("line ").length > 3);
      assertEquals(0, a.accepted, "no stdin, no terminal");
      assertTrue(!a.text().contains("line 0\n"), "only what came after attaching: " + a.text());
    }
    Jkrt.assertOk(Jkrt.exec(List.of(Jkrt.bin("jkrt").toString(), "--root", rt.root.toString(), "kill", id, "KILL")));
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(bundle.resolve("exit.json")));
    assertTrue(!Files.exists(bundle.resolve("attach.sock")), "the socket is removed with the container");
  }
}

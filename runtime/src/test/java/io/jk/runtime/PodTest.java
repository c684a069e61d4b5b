package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pod: a pause sandbox holding net/ipc/uts, and containers joining them by path. */
class PodTest {
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

  private Bundle member(long sandboxPid, String script) throws Exception {
    return Bundle.of("sh", "-c", script)
        .joinNamespace("network", "/proc/" + sandboxPid + "/ns/net")
        .joinNamespace("ipc", "/proc/" + sandboxPid + "/ns/ipc")
        .joinNamespace("uts", "/proc/" + sandboxPid + "/ns/uts");
  }

  @Test
  void twoContainersOfOneSandboxTalkOverLocalhostAndShareTheHostname() throws Exception {
    String sandbox = rt.newId();
    Jkrt.assertOk(rt.jkrt("create", "--bundle", Bundle.of("/pause").writeTo(rt.work).toString(), sandbox));
    Jkrt.assertOk(rt.jkrt("start", sandbox));
    long pausePid = Bundle.JSON.readTree(rt.jkrt("state", sandbox).out()).get("pid").asLong();
    // no CNI loopback plugin: jkrt brought lo up in the sandbox's new network namespace, as runc does

    String server = rt.newId();
    Jkrt.assertOk(rt.jkrt("create", "--bundle",
        member(pausePid, "echo pong | nc -l -p 8080 -w 5").writeTo(rt.work).toString(), server));
    Jkrt.assertOk(rt.jkrt("start", server));

    String client = rt.newId();
    Jkrt.Result r = rt.jkrt("run", "--bundle", member(pausePid,
        "hostname; ls /proc | grep -c '^[0-9]'; for i in $(seq 50); do "
            + "out=$(echo ping | nc -w 2 127.0.0.1 8080) && [ -n \"$out\" ] && echo got=$out && exit 0; "
            + "sleep 0.1; done; exit 1").writeTo(rt.work).toString(), client);
    Jkrt.assertOk(r);
    String[] l = r.out().trim().split("\n");
    assertEquals("jkrt-test", l[0], "the sandbox's hostname");
    assertTrue(Integer.parseInt(l[1].trim()) <= 3, "does not see the server's or pause's processes: " + r.out());
    assertEquals("got=pong", l[2]);

    // the sandbox survives its containers, and exits on SIGTERM
    Jkrt.assertOk(rt.jkrt("delete", "--force", server));
    assertEquals("running", Bundle.JSON.readTree(rt.jkrt("state", sandbox).out()).get("status").asText());
    Jkrt.assertOk(rt.jkrt("kill", sandbox, "TERM"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Bundle.JSON.readTree(
        rt.jkrt("state", sandbox).out()).get("status").asText().equals("stopped"));
    Jkrt.assertOk(rt.jkrt("delete", sandbox));
    rt.assertNothingLeft(sandbox, pausePid);
    rt.assertNothingLeft(server, 0);
  }
}

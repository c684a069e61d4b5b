package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bundles jkrt runs also run under runc: the kubelet can swap runtimes. */
class RuncCompatTest {
  @Test
  void sameBundleGivesTheSameViewUnderJkrtAndRunc() throws Exception {
    assumeTrue(Jkrt.isRoot(), "runtimes need root");
    Path runc = Path.of("/usr/sbin/runc");
    assumeTrue(Files.isExecutable(runc), "runc is not installed");
    try (Jkrt rt = new Jkrt()) {
      Path bundle = Bundle.of("sh", "-c",
          "echo pid=$$; hostname; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; wc -c < /proc/timer_list; "
              + "ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo ro").writeTo(rt.work);
      String jkrtId = rt.newId();
      Jkrt.Result ours = rt.jkrt("run", "--bundle", bundle.toString(), jkrtId);
      Jkrt.Result theirs = Jkrt.exec(List.of(runc.toString(), "--root", rt.work.resolve("runc").toString(),
          "run", "--bundle", bundle.toString(), rt.newId() + "-runc"));
      Jkrt.assertOk(ours);
      Jkrt.assertOk(theirs);
      assertEquals(theirs.out(), ours.out());
    }
  }
}

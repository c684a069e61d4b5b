package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cgroup v2 backend, exercised on a fake cgroupfs directory by the C unit test binary. */
class CgroupV2FakeTest {
  @Test
  void v2BackendWritesTheFilesAV2KernelReads() throws Exception {
    Jkrt.Result r = Jkrt.exec(List.of(Jkrt.bin("cgroups_test").toString()));
    assertEquals(0, r.exit(), r.toString());
    assertEquals("ok", r.out().trim());
  }
}

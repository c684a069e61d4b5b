/* Unit test of the cgroup v2 backend against a fake cgroupfs (a plain temp directory):
 * the files a v2 kernel would read hold the values the OCI resources ask for. */
#include "jkrt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void expect_file(const char *dir, const char *file, const char *want) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  char *got = rt_read_file(path);
  if (!got || strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL %s: want %s, got %s\n", file, want, got ? got : "(missing)");
    failures++;
  }
  free(got);
}

int main(void) {
  char root[] = "/tmp/jkrt-cgv2-XXXXXX";
  if (!mkdtemp(root)) return 2;
  rt_error_t err = {0};
  rt_cgroup_t cg;
  rt_resources_t res = {.mem_limit = 64 << 20, .mem_reservation = 32 << 20,
                        .mem_swap = 96 << 20, .cpu_shares = 512, .cpu_quota = 50000,
                        .cpu_period = 100000, .cpus = "0", .mems = NULL, .pids_limit = 100};
  rt_cgroup2_root = root;
  if (rt_cgroup_init(&cg, "pod1/ctr1", "ctr1", &res, &err) < 0 || cg.ops != &rt_cgroup_v2_ops ||
      cg.ops->create(&cg, &res, &err) < 0) {
    fprintf(stderr, "FAIL create: %s\n", err.msg);
    return 1;
  }
  char want_dir[4200];
  snprintf(want_dir, sizeof want_dir, "%s/pod1/ctr1", root);
  if (strcmp(cg.path[0], want_dir) != 0) {
    fprintf(stderr, "FAIL path: %s\n", cg.path[0]);
    failures++;
  }
  expect_file(cg.path[0], "memory.max", "67108864");
  expect_file(cg.path[0], "memory.low", "33554432");
  expect_file(cg.path[0], "memory.swap.max", "33554432");
  expect_file(cg.path[0], "cpu.weight", "20");
  expect_file(cg.path[0], "cpu.max", "50000 100000");
  expect_file(cg.path[0], "cpuset.cpus", "0");
  expect_file(cg.path[0], "pids.max", "100");
  char pod[4200];
  snprintf(pod, sizeof pod, "%s/pod1", root);
  expect_file(pod, "cgroup.subtree_control", "+memory +cpu +pids +cpuset");
  /* enter, OOM events and freeze read and write the v2 files */
  if (cg.ops->enter(&cg, 4242, &err) < 0) failures++;
  expect_file(cg.path[0], "cgroup.procs", "4242");
  char p[4400];
  snprintf(p, sizeof p, "%s/memory.events", cg.path[0]);
  rt_write_file(p, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n", &err);
  if (cg.ops->oom_kills(&cg) != 2) {
    fprintf(stderr, "FAIL oom_kills: %d\n", cg.ops->oom_kills(&cg));
    failures++;
  }
  snprintf(p, sizeof p, "%s/cgroup.events", cg.path[0]);
  rt_write_file(p, "populated 1\nfrozen 1\n", &err);
  if (cg.ops->freeze(&cg, true, &err) < 0 || !cg.ops->frozen(&cg)) failures++;
  expect_file(cg.path[0], "cgroup.freeze", "1");
  /* state round trip */
  json_t *j = rt_cgroup_to_json(&cg);
  rt_cgroup_t back;
  if (rt_cgroup_from_json(&back, j, &err) < 0 || back.ops != &rt_cgroup_v2_ops ||
      strcmp(back.path[0], cg.path[0]) != 0) {
    fprintf(stderr, "FAIL json round trip\n");
    failures++;
  }
  json_decref(j);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) failures++;
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}

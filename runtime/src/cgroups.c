/* cgroups: v1 (one directory per controller) and v2 (one unified directory) behind
 * rt_cgroup_ops_t. The container's cgroup is nested under the caller's own cgroup. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

const char *rt_cgroup2_root = NULL; /* set by --cgroup2-root (tests against a fake cgroupfs) */

static int cg_write(const char *dir, const char *file, const char *val, rt_error_t *err) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (rt_write_file(path, val, err) < 0)
    return rt_make_error(err, err->errnum, "cgroup write %s=%s", path, val);
  return 0;
}

static int cg_write_i64(const char *dir, const char *file, int64_t v, rt_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", (long long)v);
  return cg_write(dir, file, buf, err);
}

/* Value of "key N" in a flat keyed file such as memory.events, or -1. */
static long long keyed_value(const char *dir, const char *file, const char *key) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  cleanup_free char *s = rt_read_file(path);
  if (!s) return -1;
  size_t kl = strlen(key);
  for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, key, kl) == 0 && line[kl] == ' ') return atoll(line + kl + 1);
  return -1;
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static int enter_file(const char *dir, pid_t pid, rt_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  return cg_write(dir, "cgroup.procs", buf, err);
}

static int kill_listed(const char *dir, int sig) {
  char path[4400];
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  cleanup_free char *s = rt_read_file(path);
  int n = 0;
  if (!s) return 0;
  for (char *p = s; *p;) {
    long pid = strtol(p, &p, 10);
    if (pid > 0 && kill((pid_t)pid, sig) == 0) n++;
    while (*p == '\n') p++;
    if (pid <= 0) break;
  }
  return n;
}

static int rmdir_retry(const char *dir, rt_error_t *err) {
  for (int i = 0; i < 200; i++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) break;
    sleep_ms(5);
  }
  return rt_make_error(err, errno, "rmdir cgroup %s", dir);
}

/* ---------------- v1 ---------------- */

/* v1 devices: deny everything, then allow what a container needs (as runc and containerd),
 * so that even with CAP_MKNOD a container cannot open the host's disks or memory. Each
 * write(2) is one rule: devices.allow and devices.deny are opened once. */
typedef struct { int allow, deny; const char *dir; } v1_devfiles_t;

static int v1_device_write(v1_devfiles_t *f, bool allow, const char *line, rt_error_t *err) {
  if (write(allow ? f->allow : f->deny, line, strlen(line)) < 0)
    return rt_make_error(err, errno, "cgroup write %s/devices.%s=%s", f->dir,
                         allow ? "allow" : "deny", line);
  return 0;
}

static int v1_device_rule(v1_devfiles_t *f, json_t *rule, rt_error_t *err) {
  const char *type = json_string_value(json_object_get(rule, "type"));
  const char *access = json_string_value(json_object_get(rule, "access"));
  json_t *maj = json_object_get(rule, "major"), *min = json_object_get(rule, "minor");
  char majs[24] = "*", mins[24] = "*", line[96];
  if (json_is_integer(maj) && json_integer_value(maj) >= 0)
    snprintf(majs, sizeof majs, "%lld", (long long)json_integer_value(maj));
  if (json_is_integer(min) && json_integer_value(min) >= 0)
    snprintf(mins, sizeof mins, "%lld", (long long)json_integer_value(min));
  if (!type || !strcmp(type, "a")) snprintf(line, sizeof line, "a");
  else snprintf(line, sizeof line, "%c %s:%s %s", type[0], majs, mins, access ? access : "rwm");
  return v1_device_write(f, json_is_true(json_object_get(rule, "allow")), line, err);
}

static int v1_devices(const char *d, json_t *rules, rt_error_t *err) {
  static const char *const allow[] = {
      "c *:* m",   "b *:* m",                                   /* mknod, not access */
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", /* null zero full random urandom */
      "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",      /* tty console ptmx pts */
      "c 10:200 rwm"};                                          /* tun */
  char pa[4400], pd[4400];
  snprintf(pa, sizeof pa, "%s/devices.allow", d);
  snprintf(pd, sizeof pd, "%s/devices.deny", d);
  cleanup_close int fa = open(pa, O_WRONLY | O_CLOEXEC);
  cleanup_close int fd = open(pd, O_WRONLY | O_CLOEXEC);
  if (fa < 0 || fd < 0) return rt_make_error(err, errno, "open %s", fa < 0 ? pa : pd);
  v1_devfiles_t f = {fa, fd, d};
  if (v1_device_write(&f, false, "a", err) < 0) return -1;
  size_t i;
  json_t *rule;
  for (i = 0; i < sizeof allow / sizeof *allow; i++)
    if (v1_device_write(&f, true, allow[i], err) < 0) return -1;
  /* then the spec's rules; a "deny all" (containerd's first rule) is where we started */
  json_array_foreach(rules, i, rule) {
    const char *type = json_string_value(json_object_get(rule, "type"));
    bool deny_all = !json_is_true(json_object_get(rule, "allow")) && (!type || !strcmp(type, "a")) &&
                    !json_is_integer(json_object_get(rule, "major"));
    if (!deny_all && v1_device_rule(&f, rule, err) < 0) return -1;
  }
  return 0;
}

static int v1_create(rt_cgroup_t *cg, const rt_resources_t *r, rt_error_t *err) {
  for (size_t i = 0; i < cg->n; i++) {
    const char *c = cg->ctrl[i], *d = cg->path[i];
    if (rt_mkdir_p(d, 0755) < 0) return rt_make_error(err, errno, "mkdir cgroup %s", d);
    if (strcmp(c, "memory") == 0) {
      if (r->mem_limit != RT_UNSET && r->mem_limit > 0 &&
          cg_write_i64(d, "memory.limit_in_bytes", r->mem_limit, err) < 0)
        return -1;
      if (r->mem_reservation != RT_UNSET && r->mem_reservation > 0 &&
          cg_write_i64(d, "memory.soft_limit_in_bytes", r->mem_reservation, err) < 0)
        return -1;
      if (r->mem_swap != RT_UNSET && r->mem_swap != 0 &&
          cg_write_i64(d, "memory.memsw.limit_in_bytes", r->mem_swap, err) < 0)
        return -1;
    } else if (strcmp(c, "cpu") == 0) {
      if (r->cpu_shares != RT_UNSET && r->cpu_shares > 0 &&
          cg_write_i64(d, "cpu.shares", r->cpu_shares, err) < 0)
        return -1;
      if (r->cpu_period != RT_UNSET && r->cpu_period > 0 &&
          cg_write_i64(d, "cpu.cfs_period_us", r->cpu_period, err) < 0)
        return -1;
      if (r->cpu_quota != RT_UNSET && r->cpu_quota != 0 &&
          cg_write_i64(d, "cpu.cfs_quota_us", r->cpu_quota, err) < 0)
        return -1;
    } else if (strcmp(c, "pids") == 0) {
      if (r->pids_limit != RT_UNSET) {
        if (r->pids_limit > 0 ? cg_write_i64(d, "pids.max", r->pids_limit, err) < 0
                              : cg_write(d, "pids.max", "max", err) < 0)
          return -1;
      }
    } else if (strcmp(c, "devices") == 0) {
      if (v1_devices(d, r->devices, err) < 0) return -1;
    } else if (strcmp(c, "cpuset") == 0) {
      /* a v1 cpuset starts empty: inherit the parent's, then narrow */
      char parent[4096];
      snprintf(parent, sizeof parent, "%s", d);
      *strrchr(parent, '/') = '\0';
      const char *files[2] = {"cpuset.cpus", "cpuset.mems"};
      const char *want[2] = {r->cpus, r->mems};
      for (int k = 0; k < 2; k++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", parent, files[k]);
        cleanup_free char *v = rt_read_file(p);
        const char *val = want[k] ? want[k] : (v ? v : "");
        if (cg_write(d, files[k], val, err) < 0) return -1;
      }
    }
  }
  return 0;
}

/* pid 0 (the caller itself, a freshly cloned single-threaded process) joins through "tasks":
 * moving one thread skips the kernel's global threadgroup lock, whose write side waits for
 * an RCU grace period (10 ms measured here) on every first cgroup.procs write in a while.
 * For a process with one thread, moving the thread is moving the process. */
static int v1_enter(rt_cgroup_t *cg, pid_t pid, rt_error_t *err) {
  for (size_t i = 0; i < cg->n; i++) {
    if (pid == 0 && cg_write(cg->path[i], "tasks", "0", err) == 0) continue;
    if (enter_file(cg->path[i], pid, err) < 0) return -1;
  }
  return 0;
}

static const char *v1_dir(rt_cgroup_t *cg, const char *ctrl) {
  for (size_t i = 0; i < cg->n; i++)
    if (strcmp(cg->ctrl[i], ctrl) == 0) return cg->path[i];
  return NULL;
}

static int v1_freeze(rt_cgroup_t *cg, bool frozen, rt_error_t *err) {
  const char *d = v1_dir(cg, "freezer");
  if (!d) return rt_make_error(err, 0, "no freezer cgroup");
  const char *want = frozen ? "FROZEN" : "THAWED";
  for (int i = 0; i < 1000; i++) {
    if (cg_write(d, "freezer.state", want, err) < 0) return -1;
    char p[4400];
    snprintf(p, sizeof p, "%s/freezer.state", d);
    cleanup_free char *s = rt_read_file(p);
    if (s && strncmp(s, want, strlen(want)) == 0) return 0;
    sleep_ms(1);
  }
  return rt_make_error(err, EBUSY, "freezer did not reach %s", want);
}

static int v1_frozen(rt_cgroup_t *cg) {
  const char *d = v1_dir(cg, "freezer");
  char p[4400];
  if (!d) return 0;
  snprintf(p, sizeof p, "%s/freezer.state", d);
  cleanup_free char *s = rt_read_file(p);
  return s && strncmp(s, "FROZEN", 6) == 0;
}

static int v1_oom_kills(rt_cgroup_t *cg) {
  const char *d = v1_dir(cg, "memory");
  long long n = d ? keyed_value(d, "memory.oom_control", "oom_kill") : -1;
  return n < 0 ? 0 : (int)n;
}

static int v1_kill_all(rt_cgroup_t *cg, int sig) {
  const char *d = v1_dir(cg, "pids");
  if (!d) d = v1_dir(cg, "freezer");
  if (!d && cg->n > 0) d = cg->path[0]; /* every hierarchy lists the same processes */
  return d ? kill_listed(d, sig) : 0;
}

static int v1_destroy(rt_cgroup_t *cg, rt_error_t *err) {
  int rc = 0;
  for (size_t i = 0; i < cg->n; i++)
    if (rmdir_retry(cg->path[i], err) < 0) rc = -1;
  return rc;
}

const rt_cgroup_ops_t rt_cgroup_v1_ops = {"v1", v1_create, v1_enter, v1_freeze, v1_frozen,
                                          v1_oom_kills, v1_kill_all, v1_destroy};

/* ---------------- v2 ---------------- */

static int v2_create(rt_cgroup_t *cg, const rt_resources_t *r, rt_error_t *err) {
  const char *d = cg->path[0];
  if (rt_mkdir_p(d, 0755) < 0) return rt_make_error(err, errno, "mkdir cgroup %s", d);
  /* enable the controllers in every ancestor below the root, as the kernel requires */
  char anc[4096];
  snprintf(anc, sizeof anc, "%s", d);
  size_t rootlen = strlen(cg->v2root);
  for (char *s = strrchr(anc, '/'); s && (size_t)(s - anc) >= rootlen; s = strrchr(anc, '/')) {
    *s = '\0';
    rt_error_t ignored;  /* a controller missing from the hierarchy is not fatal */
    cg_write(anc, "cgroup.subtree_control", "+memory +cpu +pids +cpuset", &ignored);
  }
  if (r->mem_limit != RT_UNSET && r->mem_limit > 0 &&
      cg_write_i64(d, "memory.max", r->mem_limit, err) < 0)
    return -1;
  if (r->mem_reservation != RT_UNSET && r->mem_reservation > 0 &&
      cg_write_i64(d, "memory.low", r->mem_reservation, err) < 0)
    return -1;
  if (r->mem_swap != RT_UNSET && r->mem_swap != 0) {
    /* OCI swap is memory+swap; v2 counts swap alone */
    int64_t s = r->mem_swap < 0 ? -1 : r->mem_swap - (r->mem_limit > 0 ? r->mem_limit : 0);
    if ((s < 0 ? cg_write(d, "memory.swap.max", "max", err)
               : cg_write_i64(d, "memory.swap.max", s, err)) < 0)
      return -1;
  }
  if (r->cpu_shares != RT_UNSET && r->cpu_shares > 0) {
    int64_t w = 1 + ((r->cpu_shares - 2) * 9999) / 262142;
    if (w < 1) w = 1;
    if (w > 10000) w = 10000;
    if (cg_write_i64(d, "cpu.weight", w, err) < 0) return -1;
  }
  if ((r->cpu_quota != RT_UNSET && r->cpu_quota != 0) ||
      (r->cpu_period != RT_UNSET && r->cpu_period > 0)) {
    char buf[64], q[24];
    int64_t period = r->cpu_period > 0 ? r->cpu_period : 100000;
    if (r->cpu_quota != RT_UNSET && r->cpu_quota > 0)
      snprintf(q, sizeof q, "%lld", (long long)r->cpu_quota);
    else
      snprintf(q, sizeof q, "max");
    snprintf(buf, sizeof buf, "%s %lld", q, (long long)period);
    if (cg_write(d, "cpu.max", buf, err) < 0) return -1;
  }
  if (r->cpus && cg_write(d, "cpuset.cpus", r->cpus, err) < 0) return -1;
  if (r->mems && cg_write(d, "cpuset.mems", r->mems, err) < 0) return -1;
  if (r->pids_limit != RT_UNSET) {
    if ((r->pids_limit > 0 ? cg_write_i64(d, "pids.max", r->pids_limit, err)
                           : cg_write(d, "pids.max", "max", err)) < 0)
      return -1;
  }
  return 0;
}

static int v2_enter(rt_cgroup_t *cg, pid_t pid, rt_error_t *err) {
  return enter_file(cg->path[0], pid, err);
}

static int v2_freeze(rt_cgroup_t *cg, bool frozen, rt_error_t *err) {
  if (cg_write(cg->path[0], "cgroup.freeze", frozen ? "1" : "0", err) < 0) return -1;
  for (int i = 0; i < 1000; i++) {
    long long f = keyed_value(cg->path[0], "cgroup.events", "frozen");
    if (f < 0 || (f == 1) == frozen) return 0;
    sleep_ms(1);
  }
  return rt_make_error(err, EBUSY, "cgroup did not %s", frozen ? "freeze" : "thaw");
}

static int v2_frozen(rt_cgroup_t *cg) {
  return keyed_value(cg->path[0], "cgroup.events", "frozen") == 1;
}

static int v2_oom_kills(rt_cgroup_t *cg) {
  long long n = keyed_value(cg->path[0], "memory.events", "oom_kill");
  return n < 0 ? 0 : (int)n;
}

static int v2_kill_all(rt_cgroup_t *cg, int sig) {
  if (sig == SIGKILL) {
    rt_error_t ignored;
    char p[4400];
    snprintf(p, sizeof p, "%s/cgroup.kill", cg->path[0]);
    if (access(p, F_OK) == 0 && cg_write(cg->path[0], "cgroup.kill", "1", &ignored) == 0) return 1;
  }
  return kill_listed(cg->path[0], sig);
}

static int v2_destroy(rt_cgroup_t *cg, rt_error_t *err) { return rmdir_retry(cg->path[0], err); }

const rt_cgroup_ops_t rt_cgroup_v2_ops = {"v2", v2_create, v2_enter, v2_freeze, v2_frozen,
                                          v2_oom_kills, v2_kill_all, v2_destroy};

/* ---------------- discovery ---------------- */

/* The caller's cgroup for a v1 controller ("" for the v2 line), and that line's hierarchy id,
 * from the text of /proc/self/cgroup (read once by the caller). */
static int own_cgroup(const char *proc_cgroup, const char *ctrl, char *out, size_t len, int *hier) {
  for (const char *line = proc_cgroup; line && *line;
       line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    const char *eol = strchrnul(line, '\n');
    const char *c1 = memchr(line, ':', (size_t)(eol - line));
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
    if (!c2) continue;
    bool match = false;
    if (!*ctrl) match = (c2 == c1 + 1);
    else
      for (const char *t = c1 + 1; t < c2 && !match;) {
        const char *e = memchr(t, ',', (size_t)(c2 - t));
        if (!e) e = c2;
        match = (size_t)(e - t) == strlen(ctrl) && strncmp(t, ctrl, (size_t)(e - t)) == 0;
        t = e + 1;
      }
    if (!match) continue;
    const char *p = c2 + 1;
    size_t plen = (size_t)(eol - p);
    if (plen == 1 && *p == '/') plen = 0;
    if (plen >= len) return -1;
    memcpy(out, p, plen);
    out[plen] = '\0';
    if (hier) *hier = atoi(line);
    return 0;
  }
  return -1;
}

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* The mount point of a v1 controller. The usual layout (one cgroup mount per hierarchy at
 * /sys/fs/cgroup/<controller>, co-mounted ones reached through a symlink, as systemd sets it
 * up and runc also assumes first) is checked with statfs alone, so that a node with hundreds
 * of mounts does not pay for generating /proc/self/mountinfo; anything else is looked up
 * there, read at most once per run (*mountinfo caches it). */
static int v1_mountpoint(const char *ctrl, char **mountinfo, char *out, size_t len) {
  char def[64];
  struct statfs sf;
  snprintf(def, sizeof def, "/sys/fs/cgroup/%s", ctrl);
  if (statfs(def, &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC) {
    snprintf(out, len, "%s", def);
    return 0;
  }
  if (!*mountinfo && !(*mountinfo = rt_read_file("/proc/self/mountinfo"))) return -1;
  cleanup_free char *s = strdup(*mountinfo);
  if (!s) return -1;
  for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
    char *sep = strstr(line, " - cgroup ");
    if (!sep) continue;
    char *opts = strrchr(sep, ' ') + 1;
    bool match = false;
    for (char *save, *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save))
      if (strcmp(t, ctrl) == 0) match = true;
    if (!match) continue;
    char mp[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1) continue;
    snprintf(out, len, "%s", mp);
    return 0;
  }
  return -1;
}

static int rel_path(const char *cgroups_path, const char *id, const char *own, char *out,
                    size_t len, rt_error_t *err) {
  if (cgroups_path && strchr(cgroups_path, ':'))
    return rt_make_error(err, 0, "systemd cgroupsPath %s is not supported", cgroups_path);
  if (cgroups_path && strstr(cgroups_path, ".."))
    return rt_make_error(err, 0, "cgroupsPath %s must not contain ..", cgroups_path);
  if (cgroups_path && cgroups_path[0] == '/') snprintf(out, len, "%s", cgroups_path);
  else snprintf(out, len, "%s/%s", own, cgroups_path ? cgroups_path : id);
  return 0;
}

int rt_cgroup_v2_init_at(rt_cgroup_t *cg, const char *root, const char *rel, rt_error_t *err) {
  memset(cg, 0, sizeof *cg);
  cg->ops = &rt_cgroup_v2_ops;
  cg->n = 1;
  if (snprintf(cg->path[0], sizeof cg->path[0], "%s%s", root, rel) >= (int)sizeof cg->path[0])
    return rt_make_error(err, ENAMETOOLONG, "cgroup path");
  snprintf(cg->v2root, sizeof cg->v2root, "%s", root);
  return 0;
}

static bool has_cpu_settings(const rt_resources_t *r) {
  return (r->cpu_shares != RT_UNSET && r->cpu_shares > 0) ||
         (r->cpu_quota != RT_UNSET && r->cpu_quota != 0) ||
         (r->cpu_period != RT_UNSET && r->cpu_period > 0);
}

int rt_cgroup_init(rt_cgroup_t *cg, const char *cgroups_path, const char *id,
                   const rt_resources_t *res, rt_error_t *err) {
  char own[4096] = "", rel[4096];
  struct statfs sf;
  rt_set_stage(err, "cgroups");
  cleanup_free char *proc_cgroup = rt_cgroup2_root ? NULL : rt_read_file("/proc/self/cgroup");
  if (!rt_cgroup2_root && !proc_cgroup) return rt_make_error(err, errno, "read /proc/self/cgroup");
  if (rt_cgroup2_root || (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)) {
    const char *root = rt_cgroup2_root ? rt_cgroup2_root : "/sys/fs/cgroup";
    if (!rt_cgroup2_root && own_cgroup(proc_cgroup, "", own, sizeof own, NULL) < 0)
      return rt_make_error(err, ENOENT, "no cgroup v2 line in /proc/self/cgroup");
    if (rel_path(cgroups_path, id, own, rel, sizeof rel, err) < 0) return -1;
    return rt_cgroup_v2_init_at(cg, root, rel, err);
  }
  memset(cg, 0, sizeof *cg);
  cg->ops = &rt_cgroup_v1_ops;
  const char *ctrls[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "devices", "cpuset"};
  int hiers[RT_CG_MAX];
  cleanup_free char *mountinfo = NULL;
  for (size_t i = 0; i < sizeof ctrls / sizeof *ctrls; i++) {
    /* a container without cpuset, cpu or pids settings needs no cgroup of its own there (its
     * CPU time is accounted in cpuacct, its processes are listed in the freezer cgroup):
     * fewer hierarchies, fewer mkdir/rmdir per container */
    if (strcmp(ctrls[i], "cpuset") == 0 && !res->cpus && !res->mems) continue;
    if (strcmp(ctrls[i], "cpu") == 0 && !has_cpu_settings(res)) continue;
    if (strcmp(ctrls[i], "pids") == 0 && res->pids_limit == RT_UNSET) continue;
    int hier = -1;
    if (own_cgroup(proc_cgroup, ctrls[i], own, sizeof own, &hier) < 0) own[0] = '\0';
    /* co-mounted controllers (cpu,cpuacct) are one hierarchy: keep one entry */
    bool dup = false;
    for (size_t k = 0; k < cg->n; k++) dup |= hier >= 0 && hiers[k] == hier;
    if (dup) continue;
    char mp[4096];
    if (v1_mountpoint(ctrls[i], &mountinfo, mp, sizeof mp) < 0) {
      if (strcmp(ctrls[i], "cpuacct") == 0 || strcmp(ctrls[i], "freezer") == 0 ||
          strcmp(ctrls[i], "devices") == 0)
        continue;
      return rt_make_error(err, ENOENT, "cgroup v1 controller %s is not mounted", ctrls[i]);
    }
    if (rel_path(cgroups_path, id, own, rel, sizeof rel, err) < 0) return -1;
    hiers[cg->n] = hier;
    snprintf(cg->ctrl[cg->n], sizeof cg->ctrl[0], "%s", ctrls[i]);
    if (snprintf(cg->path[cg->n], sizeof cg->path[0], "%s%s", mp, rel) >= (int)sizeof cg->path[0])
      return rt_make_error(err, ENAMETOOLONG, "cgroup path");
    cg->n++;
  }
  return 0;
}

json_t *rt_cgroup_to_json(const rt_cgroup_t *cg) {
  json_t *o = json_object();
  json_object_set_new(o, "version", json_string(cg->ops->name));
  json_t *p = json_object();
  for (size_t i = 0; i < cg->n; i++)
    json_object_set_new(p, cg->ops == &rt_cgroup_v2_ops ? "unified" : cg->ctrl[i],
                        json_string(cg->path[i]));
  json_object_set_new(o, "paths", p);
  return o;
}

int rt_cgroup_from_json(rt_cgroup_t *cg, json_t *o, rt_error_t *err) {
  const char *ver = json_string_value(json_object_get(o, "version")), *k;
  json_t *v;
  memset(cg, 0, sizeof *cg);
  if (!ver) return rt_make_error(err, 0, "state has no cgroup");
  cg->ops = strcmp(ver, "v2") == 0 ? &rt_cgroup_v2_ops : &rt_cgroup_v1_ops;
  json_object_foreach(json_object_get(o, "paths"), k, v) {
    if (cg->n >= RT_CG_MAX || !json_is_string(v)) break;
    snprintf(cg->ctrl[cg->n], sizeof cg->ctrl[0], "%s", k);
    snprintf(cg->path[cg->n++], sizeof cg->path[0], "%s", json_string_value(v));
  }
  return 0;
}

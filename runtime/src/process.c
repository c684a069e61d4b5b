/* The container process: rlimits, credentials, capabilities, no_new_privs, seccomp,
 * fd hygiene, the cwd check and execve. Also the memfd re-exec of jkrt itself. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int cap_last = -1;

int rt_cap_last(void) {
  if (cap_last < 0) {
    cleanup_free char *s = rt_read_file("/proc/sys/kernel/cap_last_cap");
    cap_last = s ? atoi(s) : 40;
  }
  return cap_last;
}

/* Needs CAP_SETPCAP in the effective set: runs before the uid switch. */
static int drop_bounding(const rt_process_t *p, rt_error_t *err) {
  int last = rt_cap_last();
  for (int c = 0; c <= last; c++)
    if (!(p->caps[CAP_BND] & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
        errno != EINVAL)
      return rt_make_error(err, errno, "drop bounding capability %d", c);
  return 0;
}

static int set_caps(const rt_process_t *p, rt_error_t *err) {
  int last = rt_cap_last();
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(p->caps[CAP_EFF] >> (32 * i));
    data[i].permitted = (uint32_t)(p->caps[CAP_PRM] >> (32 * i));
    data[i].inheritable = (uint32_t)(p->caps[CAP_INH] >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return rt_make_error(err, errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return rt_make_error(err, errno, "clear ambient capabilities");
  /* the kernel allows ambient only for caps both permitted and inheritable (runc skips the rest too) */
  uint64_t amb = p->caps[CAP_AMB] & p->caps[CAP_INH] & p->caps[CAP_PRM];
  for (int c = 0; c <= last; c++)
    if ((amb & (1ULL << c)) &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return rt_make_error(err, errno, "raise ambient capability %d", c);
  return 0;
}

static int set_creds(const rt_process_t *p, rt_error_t *err) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return rt_make_error(err, errno, "keepcaps");
  if (setgroups(p->ngids, p->gids) < 0) return rt_make_error(err, errno, "setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) return rt_make_error(err, errno, "setgid %d", (int)p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0) return rt_make_error(err, errno, "setuid %d", (int)p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return rt_make_error(err, errno, "keepcaps");
  return 0;
}

static uint32_t seccomp_action(const char *a, json_t *rule, json_t *sec, rt_error_t *err, bool *ok) {
  *ok = true;
  json_t *er = json_object_get(rule, "errnoRet");
  if (!er) er = json_object_get(sec, "defaultErrnoRet");
  int eno = er ? (int)json_integer_value(er) : EPERM;
  if (!a) a = "";
  if (!strcmp(a, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
  if (!strcmp(a, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO(eno);
  if (!strcmp(a, "SCMP_ACT_KILL") || !strcmp(a, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL;
  if (!strcmp(a, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
  if (!strcmp(a, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
  if (!strcmp(a, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
  if (!strcmp(a, "SCMP_ACT_TRACE")) return SCMP_ACT_TRACE(eno);
  *ok = false;
  rt_make_error(err, 0, "unknown seccomp action %s", a);
  return 0;
}

static int seccomp_op(const char *op) {
  static const struct { const char *n; int op; } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (size_t i = 0; op && i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(op, ops[i].n)) return ops[i].op;
  return -1;
}

static uint32_t seccomp_arch(const char *a) {
  static const struct { const char *n; uint32_t arch; } archs[] = {
      {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X86", SCMP_ARCH_X86},
      {"SCMP_ARCH_X32", SCMP_ARCH_X32},       {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
      {"SCMP_ARCH_ARM", SCMP_ARCH_ARM}};
  for (size_t i = 0; a && i < sizeof archs / sizeof *archs; i++)
    if (!strcmp(a, archs[i].n)) return archs[i].arch;
  return 0;
}

int rt_process_seccomp(json_t *sec, rt_error_t *err) {
  if (!sec) return 0;
  rt_set_stage(err, "seccomp");
  bool ok;
  uint32_t def = seccomp_action(json_string_value(json_object_get(sec, "defaultAction")), NULL,
                                sec, err, &ok);
  if (!ok) return -1;
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) return rt_make_error(err, 0, "seccomp_init failed");
  size_t i, j, k;
  json_t *v, *rule, *name;
  int rc = 0;
  json_array_foreach(json_object_get(sec, "architectures"), i, v) {
    uint32_t arch = seccomp_arch(json_string_value(v));
    if (arch && seccomp_arch_add(ctx, arch) < 0 && arch != seccomp_arch_native()) { /* exists */ }
  }
  json_array_foreach(json_object_get(sec, "syscalls"), i, rule) {
    uint32_t act = seccomp_action(json_string_value(json_object_get(rule, "action")), rule, sec,
                                  err, &ok);
    if (!ok) { rc = -1; goto out; }
    if (act == def) continue;
    struct scmp_arg_cmp cmps[6];
    unsigned n = 0;
    json_array_foreach(json_object_get(rule, "args"), j, v) {
      int op = seccomp_op(json_string_value(json_object_get(v, "op")));
      if (op < 0 || n >= 6) { rc = rt_make_error(err, 0, "bad seccomp argument rule"); goto out; }
      cmps[n].arg = (unsigned)json_integer_value(json_object_get(v, "index"));
      cmps[n].op = op;
      cmps[n].datum_a = (scmp_datum_t)json_integer_value(json_object_get(v, "value"));
      cmps[n++].datum_b = (scmp_datum_t)json_integer_value(json_object_get(v, "valueTwo"));
    }
    json_array_foreach(json_object_get(rule, "names"), k, name) {
      int nr = seccomp_syscall_resolve_name(json_string_value(name));
      if (nr == __NR_SCMP_ERROR) continue; /* unknown on this architecture */
      int r = seccomp_rule_add_array(ctx, act, nr, n, cmps);
      if (r < 0 && r != -EEXIST) {
        rc = rt_make_error(err, -r, "seccomp rule for %s", json_string_value(name));
        goto out;
      }
    }
  }
  int r = seccomp_load(ctx);
  if (r < 0) rc = rt_make_error(err, -r, "seccomp_load");
out:
  seccomp_release(ctx);
  return rc;
}

static int check_cwd(const char *cwd, rt_error_t *err) {
  char buf[4096];
  if (chdir(cwd) < 0) return rt_make_error(err, errno, "chdir %s", cwd);
  /* a cwd outside the rootfs (e.g. a leaked host fd) reads as "(unreachable)/..." */
  if (!getcwd(buf, sizeof buf) || buf[0] != '/')
    return rt_make_error(err, EPERM, "cwd %s is outside the container root", cwd);
  return 0;
}

int rt_process_prepare(const rt_process_t *p, json_t *seccomp, int preserve_fds,
                       bool *seccomp_done, rt_error_t *err) {
  rt_set_stage(err, "process");
  *seccomp_done = false;
  for (size_t i = 0; i < p->nrlimits; i++) {
    struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
    if (setrlimit(p->rlimits[i].resource, &rl) < 0)
      return rt_make_error(err, errno, "setrlimit %d", p->rlimits[i].resource);
  }
  if (p->has_oom_adj) {
    char buf[16];
    snprintf(buf, sizeof buf, "%d", p->oom_adj);
    if (rt_write_file("/proc/self/oom_score_adj", buf, err) < 0) return -1;
  }
  if (check_cwd(p->cwd, err) < 0) return -1;
  /* fds >= 3 not passed on close at execve; ours stay until then */
  if (syscall(SYS_close_range, 3 + preserve_fds, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
    return rt_make_error(err, errno, "close_range");
  if (!p->nnp && seccomp) {
    /* without no_new_privs the filter needs CAP_SYS_ADMIN: load it before dropping caps */
    if (rt_process_seccomp(seccomp, err) < 0) return -1;
    *seccomp_done = true;
    rt_set_stage(err, "process");
  }
  if (drop_bounding(p, err) < 0 || set_creds(p, err) < 0 || set_caps(p, err) < 0) return -1;
  if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return rt_make_error(err, errno, "no_new_privs");
  return 0;
}

/* Signals ignored by whoever started jkrt (one bit per signal, as /proc's SigIgn); all of
 * them until rt_signals_snapshot has read the real set. */
static uint64_t inherited_ignored = ~0ULL;

void rt_signals_snapshot(void) {
  cleanup_free char *s = rt_read_file("/proc/self/status");
  char *line = s ? strstr(s, "\nSigIgn:") : NULL;
  if (line) inherited_ignored = strtoull(line + 8, NULL, 16);
}

int rt_process_exec(const rt_process_t *p, rt_error_t *err) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  /* execve resets caught signals by itself (jkrt's own handlers included); only ignored ones
   * would be inherited by the container's process */
  struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = {0};
  for (int s = 1; s < NSIG && s <= 64; s++)  /* the raw call: libc refuses its own 32 and 33 */
    if (inherited_ignored & (1ULL << (s - 1))) syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof dfl.mask);
  environ = (char **)p->env;
  execvp(p->args[0], (char *const *)p->args);
  rt_set_stage(err, "exec");
  return rt_make_error(err, errno, "exec %s", p->args[0]);
}

int rt_reexec_from_memfd(char **argv, rt_error_t *err) {
  rt_set_stage(err, "reexec");
  cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0) return rt_make_error(err, errno, "open /proc/self/exe");
  struct stat st;
  if (fstat(exe, &st) < 0) return rt_make_error(err, errno, "stat /proc/self/exe");
  int mfd = memfd_create("jkrt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) return rt_make_error(err, errno, "memfd_create");
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = sendfile(mfd, exe, NULL, (size_t)left);
    if (n <= 0) { close(mfd); return rt_make_error(err, errno, "copy jkrt to memfd"); }
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    close(mfd);
    return rt_make_error(err, errno, "seal memfd");
  }
  setenv("_JKRT_SEALED", "1", 1);
  fexecve(mfd, argv, environ);
  close(mfd);
  return rt_make_error(err, errno, "exec sealed copy");
}

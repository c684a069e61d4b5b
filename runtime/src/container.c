/* The container life cycle: create (clone + child setup, waiting on exec.fifo), start,
 * run, exec, delete. The child reports each stage's error over a SEQPACKET socketpair. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MSG_GO = 1, MSG_READY, MSG_ERROR };
typedef struct {
  int kind, errnum;
  char stage[32], msg[1024];
} sync_msg_t;

static int send_msg(int fd, int kind, const rt_error_t *e) {
  sync_msg_t m = {.kind = kind};
  if (e) {
    m.errnum = e->errnum;
    memcpy(m.stage, e->stage, sizeof m.stage);
    memcpy(m.msg, e->msg, sizeof m.msg);
  }
  return send(fd, &m, sizeof m, MSG_NOSIGNAL) == sizeof m ? 0 : -1;
}

/* Reads one message; returns its kind, 0 on EOF, -1 on error (err filled from a child's report). */
static int recv_msg(int fd, rt_error_t *err) {
  sync_msg_t m;
  ssize_t n;
  do n = recv(fd, &m, sizeof m, 0);
  while (n < 0 && errno == EINTR);
  if (n == 0) return 0;
  if (n != sizeof m) return rt_make_error(err, errno, "sync socket");
  if (m.kind == MSG_ERROR) {
    err->errnum = m.errnum;
    memcpy(err->stage, m.stage, sizeof m.stage);
    memcpy(err->msg, m.msg, sizeof m.msg);
    err->stage[sizeof err->stage - 1] = err->msg[sizeof err->msg - 1] = '\0';
    return -1;
  }
  return m.kind;
}

static void child_fail(int sock, rt_error_t *err) {
  send_msg(sock, MSG_ERROR, err);
  _exit(1);
}

/* Waits for `jkrt start` to write a byte into exec.fifo. Opened for reading before any
 * writer existed, poll only reports the fifo once a writer came. */
static int wait_for_start(int fifo, rt_error_t *err) {
  struct pollfd p = {.fd = fifo, .events = POLLIN};
  char c;
  for (;;) {
    int r = poll(&p, 1, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return rt_make_error(err, errno, "wait for start");
    ssize_t n = read(fifo, &c, 1);
    if (n == 1) return 0;
    if (n < 0 && errno == EAGAIN) continue;
    return rt_make_error(err, 0, "exec.fifo closed without start");
  }
}

static void child_main(const rt_spec_t *spec, const rt_cgroup_t *cg, bool born_in_cgroup, int sock,
                       int fifo, int console, int preserve_fds) {
  rt_error_t err = {0};
  rt_set_stage(&err, "init");
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* no ptrace or /proc/<pid>/exe access until execve */
  /* the child moves itself ("0" is the writer) into its cgroup before anything else runs,
   * and before a new cgroup namespace takes the current cgroup as its root */
  rt_cgroup_t own = *cg;
  if (!born_in_cgroup && own.ops->enter(&own, 0, &err) < 0) child_fail(sock, &err);
  if (rt_spec_has_ns(spec, CLONE_NEWCGROUP, NULL) && unshare(CLONE_NEWCGROUP) < 0) {
    rt_set_stage(&err, "namespaces");
    rt_make_error(&err, errno, "unshare cgroup namespace");
    child_fail(sock, &err);
  }
  if (rt_ns_join_paths(spec, true, &err) < 0) child_fail(sock, &err);
  const char *net_path = NULL;
  if (rt_spec_has_ns(spec, CLONE_NEWNET, &net_path) && !net_path && rt_ns_loopback_up(&err) < 0)
    child_fail(sock, &err);
  if (spec->hostname) {
    const char *uts_path = NULL;
    if (!rt_spec_has_ns(spec, CLONE_NEWUTS, &uts_path) || uts_path) {
      rt_make_error(&err, 0, "hostname needs a new uts namespace");
      child_fail(sock, &err);
    }
    if (sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
      rt_make_error(&err, errno, "sethostname %s", spec->hostname);
      child_fail(sock, &err);
    }
  }
  if (rt_apply_sysctls(spec, &err) < 0 || rt_setup_rootfs(spec, cg, &err) < 0 ||
      rt_pivot_and_protect(spec, &err) < 0)
    child_fail(sock, &err);
  /* after the mounts: the terminal comes from the container's own devpts */
  if (console >= 0 && rt_console_setup(console, &err) < 0) child_fail(sock, &err);
  if (console >= 0) close(console);
  bool seccomp_done;
  if (rt_process_prepare(&spec->proc, spec->seccomp, preserve_fds, &seccomp_done, &err) < 0)
    child_fail(sock, &err);
  if (fifo >= 0) {
    send_msg(sock, MSG_READY, NULL);
    if (wait_for_start(fifo, &err) < 0) _exit(1);
  }
  if (!seccomp_done && rt_process_seccomp(spec->seccomp, &err) < 0) {
    if (fifo < 0) child_fail(sock, &err);
    rt_print_error(&err);
    _exit(127);
  }
  rt_process_exec(&spec->proc, &err);
  if (fifo < 0) child_fail(sock, &err);
  rt_print_error(&err); /* the creator is gone: stderr is all that is left */
  _exit(127);
}

static int write_pid_file(const char *path, pid_t pid, rt_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  return path ? rt_write_file_atomic(path, buf, err) : 0;
}

static volatile pid_t forward_to;

static void forward_signal(int sig) {
  if (forward_to > 0) kill(forward_to, sig);
}

/* run: signals sent to jkrt go to the container's process, as with runc run. */
static void forward_signals(pid_t pid) {
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  forward_to = pid;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
}

static int wait_exit_code(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 255;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

/* Kills whatever is left, removes cgroups and state. Used by delete and failed creates.
 * all_gone: the container had its own PID namespace and its init was reaped, so the kernel
 * has already killed every other process in it and there is nothing to look for. */
static int teardown(rt_state_t *st, bool all_gone, rt_error_t *err) {
  /* a pidfd taken while the recorded process is still the container's (start time checked
   * after opening it) wakes us the moment it dies, and cannot hit a recycled pid */
  int pidfd = -1;
  if (st->pid > 0) {
    pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (pidfd >= 0 && !rt_pid_alive(st->pid, st->starttime)) {
      close(pidfd);
      pidfd = -1;
      st->pid = 0;
    }
    if (pidfd >= 0) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    else if (st->pid > 0) kill(st->pid, SIGKILL);
  }
  if (st->cg.ops && !all_gone) {
    st->cg.ops->kill_all(&st->cg, SIGKILL);
    if (st->cg.ops->frozen(&st->cg)) {
      rt_error_t ignored;
      st->cg.ops->freeze(&st->cg, false, &ignored);
    }
  }
  if (pidfd >= 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    while (poll(&p, 1, 1000) < 0 && errno == EINTR) {}
    close(pidfd);
  }
  for (int i = 0; i < 200 && st->pid > 0 && rt_pid_alive(st->pid, st->starttime); i++) sleep_ms(5);
  int rc = 0;
  if (st->cg.ops && st->cg.ops->destroy(&st->cg, err) < 0) rc = -1;
  if (rt_state_remove(st, err) < 0) rc = -1;
  return rc;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3's arguments (linux/sched.h's struct clone_args, kept here: that header clashes with
 * sched.h). */
typedef struct {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
} rt_clone_args_t;

/* Forks the container's process. On cgroup v2 it is born in its cgroup (clone3 with
 * CLONE_INTO_CGROUP): joining later through cgroup.procs takes the kernel's global threadgroup
 * lock, whose write side waits for an RCU grace period (10-15 ms measured here). Falls back to
 * a plain clone (the child then joins by itself) where clone3 is refused. */
static pid_t clone_child(const rt_cgroup_t *cg, int ns_flags, bool *born_in_cgroup) {
  *born_in_cgroup = false;
  if (cg->ops == &rt_cgroup_v2_ops) {
    int dir = open(cg->path[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      rt_clone_args_t a = {.flags = (uint64_t)(unsigned)ns_flags | CLONE_INTO_CGROUP,
                           .exit_signal = SIGCHLD, .cgroup = (uint64_t)dir};
      pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
      int e = errno;
      if (pid == 0) {
        *born_in_cgroup = true;
        close(dir);
        return 0;
      }
      close(dir);
      if (pid > 0) {
        *born_in_cgroup = true;
        return pid;
      }
      if (e != ENOSYS && e != E2BIG && e != EINVAL && e != EOPNOTSUPP && e != EBADF) {
        errno = e;
        return -1;
      }
    }
  }
  return (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, 0, 0, 0, 0);
}

int rt_container_create(const rt_create_opts_t *o, int *exit_code, rt_error_t *err) {
  rt_spec_t spec;
  rt_state_t st;
  int rc = -1, sv[2] = {-1, -1}, fifo = -1, console = -1;
  pid_t pid = -1;
  memset(&st, 0, sizeof st);
  if (rt_spec_load(o->bundle, &spec, err) < 0) goto out_spec;
  if (spec.proc.terminal != (o->console_socket != NULL)) {
    rt_make_error(err, 0, spec.proc.terminal ? "process.terminal needs --console-socket"
                                             : "--console-socket needs process.terminal");
    goto out_spec;
  }
  if (!rt_spec_has_ns(&spec, CLONE_NEWNS, NULL)) {
    rt_make_error(err, 0, "a mount namespace is required");
    goto out_spec;
  }
  const char *pidns_path = NULL;
  if (o->argv && !getenv("_JKRT_SEALED") &&
      (!rt_spec_has_ns(&spec, CLONE_NEWPID, &pidns_path) || pidns_path)) {
    /* the set-up process will be visible to processes already in that PID namespace:
     * run from a sealed copy so /proc/<pid>/exe cannot reach the host binary */
    rt_reexec_from_memfd(o->argv, err);
    goto out_spec;
  }
  if (rt_state_dir(o->root, o->id, st.dir, sizeof st.dir, err) < 0) goto out_spec;
  snprintf(st.id, sizeof st.id, "%s", o->id);
  snprintf(st.bundle, sizeof st.bundle, "%s", spec.bundle);
  rt_set_stage(err, "state");
  if (rt_mkdir_p(o->root, 0700) < 0) {
    rt_make_error(err, errno, "mkdir %s", o->root);
    goto out_spec;
  }
  if (mkdir(st.dir, 0700) < 0) {
    rt_make_error(err, errno, errno == EEXIST ? "container %s exists" : "mkdir state %s", o->id);
    goto out_spec;
  }
  /* from here on a failure removes everything made so far */
  if (rt_cgroup_init(&st.cg, spec.cgroups_path, o->id, &spec.res, err) < 0 ||
      st.cg.ops->create(&st.cg, &spec.res, err) < 0)
    goto fail;
  if (o->detach_wait == false) {
    char path[4200];
    snprintf(path, sizeof path, "%s/exec.fifo", st.dir);
    if (mkfifo(path, 0600) < 0 ||
        (fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
      rt_make_error(err, errno, "exec fifo %s", path);
      goto fail;
    }
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    rt_make_error(err, errno, "socketpair");
    goto fail;
  }
  if (o->console_socket && (console = rt_console_connect(o->console_socket, err)) < 0) goto fail;
  if (rt_ns_join_paths(&spec, false, err) < 0) goto fail;
  rt_set_stage(err, "clone");
  bool born_in_cgroup = false;
  pid = clone_child(&st.cg, (rt_ns_clone_flags(&spec) & ~CLONE_NEWCGROUP), &born_in_cgroup);
  if (pid < 0) {
    rt_make_error(err, errno, "clone");
    goto fail;
  }
  if (pid == 0) {
    close(sv[0]);
    child_main(&spec, &st.cg, born_in_cgroup, sv[1], fifo, console, o->preserve_fds);
  }
  close(sv[1]);
  sv[1] = -1;
  if (console >= 0) close(console);
  console = -1;
  if (fifo >= 0) close(fifo);
  fifo = -1;
  st.pid = pid;
  /* the state is written while the child sets itself up (the other CPU's work); a failed
   * setup removes it with the rest */
  st.starttime = rt_pid_starttime(pid);
  rt_now_rfc3339(st.created, sizeof st.created);
  if (rt_state_save(&st, err) < 0) goto fail;
  if (o->detach_wait) {
    /* run: no wake-up at execve; the child's error, if any, waits in the socket */
    if (write_pid_file(o->pid_file, pid, err) < 0) goto fail;
    forward_signals(pid);
    int code = wait_exit_code(pid);
    pid = 0;
    st.pid = 0;
    if (recv_msg(sv[0], err) < 0) goto fail;
    *exit_code = code;
    const char *pidns_path = NULL;
    bool own_pidns = rt_spec_has_ns(&spec, CLONE_NEWPID, &pidns_path) && !pidns_path;
    teardown(&st, own_pidns, err);
    rc = 0;
    goto out;
  }
  int kind = recv_msg(sv[0], err);
  if (kind < 0) goto fail;
  if (kind == 0) {
    rt_set_stage(err, "init");
    rt_make_error(err, 0, "container process exited during setup");
    goto fail;
  }
  if (write_pid_file(o->pid_file, pid, err) < 0) goto fail;
  rc = 0;
  goto out;
fail:
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    st.pid = 0;
  }
  {
    rt_error_t ignored;
    teardown(&st, false, &ignored);
  }
out:
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  if (fifo >= 0) close(fifo);
  if (console >= 0) close(console);
out_spec:
  rt_spec_free(&spec);
  return rc;
}

int rt_container_start(const char *root, const char *id, rt_error_t *err) {
  rt_state_t st;
  if (rt_state_load(root, id, &st, err) < 0) return -1;
  rt_set_stage(err, "start");
  const char *status = rt_state_status(&st);
  if (strcmp(status, "created") != 0)
    return rt_make_error(err, 0, "container %s is %s, not created", id, status);
  char path[4200];
  snprintf(path, sizeof path, "%s/exec.fifo", st.dir);
  cleanup_close int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return rt_make_error(err, errno, "open exec fifo");
  if (write(fd, "0", 1) != 1) return rt_make_error(err, errno, "write exec fifo");
  unlink(path);
  return 0;
}

int rt_container_delete(const char *root, const char *id, bool force, rt_error_t *err) {
  rt_state_t st;
  if (rt_state_load(root, id, &st, err) < 0) return -1;
  rt_set_stage(err, "delete");
  const char *status = rt_state_status(&st);
  if (!force && strcmp(status, "stopped") != 0 && strcmp(status, "created") != 0)
    return rt_make_error(err, 0, "container %s is %s; stop it first or use --force", id, status);
  if (strcmp(status, "stopped") == 0) st.pid = 0; /* the pid may be reused by now */
  return teardown(&st, false, err);
}

static int parse_user(const char *user, rt_process_t *p, rt_error_t *err) {
  char *end;
  long uid = strtol(user, &end, 10);
  if (end == user || uid < 0) return rt_make_error(err, 0, "--user %s: want uid[:gid]", user);
  p->uid = (uid_t)uid;
  p->gid = 0;
  if (*end == ':') {
    long gid = strtol(end + 1, &end, 10);
    if (gid < 0) return rt_make_error(err, 0, "--user %s: bad gid", user);
    p->gid = (gid_t)gid;
  }
  if (*end) return rt_make_error(err, 0, "--user %s: want uid[:gid]", user);
  p->ngids = 0;
  return 0;
}

/* env for exec: the container's, with --env entries replacing same-named ones. */
static const char **merge_env(const char **base, const char **extra, size_t nextra) {
  size_t nb = 0;
  while (base && base[nb]) nb++;
  const char **out = calloc(nb + nextra + 1, sizeof *out);
  size_t n = 0;
  for (size_t i = 0; i < nb; i++) {
    size_t kl = strcspn(base[i], "=");
    bool replaced = false;
    for (size_t k = 0; k < nextra; k++)
      replaced |= strncmp(extra[k], base[i], kl) == 0 && extra[k][kl] == '=';
    if (!replaced) out[n++] = base[i];
  }
  for (size_t k = 0; k < nextra; k++) out[n++] = extra[k];
  return out;
}

int rt_container_exec(const char *root, const char *id, const rt_exec_opts_t *o, int *exit_code,
                      rt_error_t *err) {
  rt_state_t st;
  rt_spec_t spec;
  if (rt_state_load(root, id, &st, err) < 0) return -1;
  rt_set_stage(err, "exec");
  if (strcmp(rt_state_status(&st), "running") != 0)
    return rt_make_error(err, 0, "container %s is not running", id);
  if (rt_spec_load(st.bundle, &spec, err) < 0) return -1;
  rt_process_t p = spec.proc;
  const char **env = merge_env(spec.proc.env, o->env, o->nenv);
  p.env = env;
  p.args = (const char **)o->args;
  if (o->cwd) p.cwd = o->cwd;
  int rc = -1, sv[2] = {-1, -1}, procs[RT_CG_MAX], pidfd = -1, ptm = -1, pts = -1, cgns = -1,
      cgdir = -1;
  size_t nprocs = 0;
  if (o->user && parse_user(o->user, &p, err) < 0) goto out;
  /* the cgroup files are opened while the host filesystem is still visible. On v1 the child
   * joins by itself, writing 0 to "tasks" (one thread, without the global lock whose
   * cgroup.procs write waits for an RCU grace period); on v2 it is born in the cgroup (clone3
   * CLONE_INTO_CGROUP, allowed while we are still in the host's cgroup namespace: the child
   * joins the container's), or else we write its pid. */
  bool self_join = st.cg.ops == &rt_cgroup_v1_ops;
  if (!self_join) cgdir = open(st.cg.path[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = 0; i < st.cg.n; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", st.cg.path[i], self_join ? "tasks" : "cgroup.procs");
    if ((procs[nprocs] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
      rt_make_error(err, errno, "open %s", path);
      goto out;
    }
    nprocs++;
  }
  if (o->pid_file && (pidfd = open(o->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
    rt_make_error(err, errno, "open %s", o->pid_file);
    goto out;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    rt_make_error(err, errno, "socketpair");
    goto out;
  }
  if (rt_ns_join_pid(st.pid, &cgns, err) < 0) goto out;
  /* opened in the container's mount namespace: its own devpts, so ttyname works inside */
  char ptsname_buf[64];
  if (o->tty && rt_pty_open(&ptm, &pts, ptsname_buf, sizeof ptsname_buf, err) < 0) goto out;
  bool born_in_cgroup = false;
  pid_t pid = -1;
  if (cgdir >= 0) {
    rt_clone_args_t a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgdir};
    pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
    born_in_cgroup = pid >= 0;
  }
  if (pid < 0) pid = fork();
  if (pid < 0) {
    rt_make_error(err, errno, "fork");
    goto out;
  }
  if (pid == 0) {
    rt_error_t cerr = {0};
    bool seccomp_done;
    close(sv[0]);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* visible in the container: no ptrace until execve */
    if (recv_msg(sv[1], &cerr) != MSG_GO) _exit(1);
    for (size_t i = 0; self_join && i < nprocs; i++)
      if (write(procs[i], "0", 1) < 0) {
        rt_set_stage(&cerr, "cgroups");
        rt_make_error(&cerr, errno, "join cgroup %s", st.cg.path[i]);
        child_fail(sv[1], &cerr);
      }
    if (cgns >= 0 && setns(cgns, CLONE_NEWCGROUP) < 0) {
      rt_set_stage(&cerr, "namespaces");
      rt_make_error(&cerr, errno, "join cgroup namespace of %d", (int)st.pid);
      child_fail(sv[1], &cerr);
    }
    if (pts >= 0) {
      /* the terminal becomes the controlling tty of a new session, and its stdio */
      if (setsid() < 0 || ioctl(pts, TIOCSCTTY, 0) < 0 || dup2(pts, 0) < 0 || dup2(pts, 1) < 0 ||
          dup2(pts, 2) < 0) {
        rt_set_stage(&cerr, "exec");
        rt_make_error(&cerr, errno, "set up terminal");
        child_fail(sv[1], &cerr);
      }
    }
    if (rt_process_prepare(&p, spec.seccomp, 0, &seccomp_done, &cerr) < 0) child_fail(sv[1], &cerr);
    if (!seccomp_done && rt_process_seccomp(spec.seccomp, &cerr) < 0) child_fail(sv[1], &cerr);
    rt_process_exec(&p, &cerr);
    child_fail(sv[1], &cerr);
  }
  close(sv[1]);
  sv[1] = -1;
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  for (size_t i = 0; !self_join && !born_in_cgroup && i < nprocs; i++)
    if (write(procs[i], buf, strlen(buf)) < 0) {
      rt_set_stage(err, "cgroups");
      rt_make_error(err, errno, "join cgroup %s", st.cg.path[i]);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      goto out;
    }
  send_msg(sv[0], MSG_GO, NULL);
  if (recv_msg(sv[0], err) < 0) {
    waitpid(pid, NULL, 0);
    goto out;
  }
  if (pidfd >= 0 && write(pidfd, buf, strlen(buf)) < 0) {
    rt_make_error(err, errno, "write %s", o->pid_file);
    goto out;
  }
  if (pts >= 0) close(pts);
  pts = -1;
  if (ptm >= 0 && !o->detach) rt_pty_copy(ptm);
  *exit_code = o->detach ? 0 : wait_exit_code(pid);
  rc = 0;
out:
  for (size_t i = 0; i < nprocs; i++) close(procs[i]);
  if (cgns >= 0) close(cgns);
  if (cgdir >= 0) close(cgdir);
  if (pidfd >= 0) close(pidfd);
  if (ptm >= 0) close(ptm);
  if (pts >= 0) close(pts);
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  free(env);
  rt_spec_free(&spec);
  return rc;
}

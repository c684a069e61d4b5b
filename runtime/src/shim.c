/* jkshim: detaches from its caller (one fork, a session of its own), becomes a child subreaper, runs the OCI runtime's
 * create and start, and stays the container's parent: it copies stdout/stderr into a CRI
 * log, writes the exit status atomically when the container ends, then runs delete.
 *
 *   jkshim --id ID --bundle DIR --log FILE --exit-file FILE [--runtime PATH] [--root DIR]
 *          [--log-max-size BYTES] [--pid-file F] [--shim-pid-file F] [--start-gate stdin]
 *          [--stdin open|once] [--tty true]
 *
 * --stdin gives the process a stdin pipe, --tty a terminal (config.json's process.terminal must be
 * true; the runtime gets --console-socket): the shim holds the pipe's write end or the terminal's
 * master and serves attachers on BUNDLE/attach.sock (shim_attach.c); "once": stdin ends when the first
 * attacher leaves. Terminal output is logged as stdout.
 * With --start-gate stdin the container is created, {"created":true,"containerPid":M} printed, and
 * started only once a byte arrives on stdin (its end without one removes the container): the caller
 * readies what the process needs meanwhile.
 * The caller's jkshim returns once the container runs, printing
 * {"shimPid":N,"containerPid":M}, or fails with the runtime's error. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  const char *id, *bundle, *log, *exit_file, *runtime, *root, *pid_file, *shim_pid_file;
  long long log_max;
  bool one_step; /* the runtime is jkrt: "run --detach" creates and starts in one exec */
  int gate_fd;   /* --start-gate stdin: start only after a byte comes through here (-1: at once) */
  int stdin_mode; /* 0: /dev/null, 1: a pipe (--stdin open), 2: a pipe closed after the first attacher */
  bool tty;       /* --tty true: process.terminal, the master comes over BUNDLE/console.sock */
  int stdin_rd;   /* the stdin pipe's read end the runtime hands to the process (-1: /dev/null) */
} shim_opts_t;

static int run_runtime(const shim_opts_t *o, const char *cmd, int out, int errfd, char *errbuf,
                       size_t errlen) {
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    /* the runtime (and the container it starts) gets default signal dispositions and mask */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    bool creating = !strcmp(cmd, "create") || !strcmp(cmd, "run");
    dup2(creating && o->stdin_rd >= 0 ? o->stdin_rd : devnull, 0);
    dup2(out >= 0 ? out : devnull, 1);
    /* the console socket is named relative to the bundle: its absolute path may be too long */
    if (creating && o->tty && chdir(o->bundle) < 0) _exit(127);
    dup2(errfd >= 0 ? errfd : ep[1], 2);
    const char *argv[16];
    int n = 0;
    argv[n++] = o->runtime;
    if (o->root) { argv[n++] = "--root"; argv[n++] = o->root; }
    argv[n++] = cmd;
    if (!strcmp(cmd, "run")) argv[n++] = "--detach";
    if (creating) {
      argv[n++] = "--bundle"; argv[n++] = o->bundle;
      argv[n++] = "--pid-file"; argv[n++] = o->pid_file;
      if (o->tty) { argv[n++] = "--console-socket"; argv[n++] = "console.sock"; }
    }
    if (!strcmp(cmd, "delete")) argv[n++] = "--force";
    argv[n++] = o->id;
    argv[n] = NULL;
    execvp(o->runtime, (char **)argv);
    dprintf(2, "{\"error\":\"exec %s: %s\",\"stage\":\"shim\"}\n", o->runtime, strerror(errno));
    _exit(127);
  }
  close(ep[1]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  /* create's error goes to the container's stderr pipe; start's to ours */
  int rfd = errfd >= 0 ? -1 : ep[0];
  size_t len = 0;
  if (errbuf) errbuf[0] = '\0';
  if (rfd >= 0 && errbuf) {
    ssize_t n;
    while (len + 1 < errlen && (n = read(rfd, errbuf + len, errlen - len - 1)) > 0) len += (size_t)n;
    errbuf[len] = '\0';
  }
  close(ep[0]);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void drain_nonblocking(int fd, char *buf, size_t len) {
  size_t got = strlen(buf);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  ssize_t n;
  while (got + 1 < len && (n = read(fd, buf + got, len - got - 1)) > 0) got += (size_t)n;
  buf[got] = '\0';
  while (got > 0 && buf[got - 1] == '\n') buf[--got] = '\0';
}

/* The memory cgroup's OOM-kill counter file of a running process (v1 or v2). */
static void oom_file_of(pid_t pid, char *out, size_t len) {
  char path[64];
  out[0] = '\0';
  snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
  cleanup_free char *s = rt_read_file(path);
  for (char *line = s ? strtok(s, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = '\0';
    if (strstr(c1 + 1, "memory")) {
      snprintf(out, len, "/sys/fs/cgroup/memory%s/memory.oom_control", c2 + 1);
      return;
    }
    if (c1[1] == '\0') snprintf(out, len, "/sys/fs/cgroup%s/memory.events", c2 + 1);
  }
}

static long long oom_kills(const char *file) {
  cleanup_free char *s = file[0] ? rt_read_file(file) : NULL;
  char *p = s ? strstr(s, "oom_kill ") : NULL;
  return p ? atoll(p + 9) : 0;
}

static void report(int fd, const char *msg) {
  if (fd >= 0 && write(fd, msg, strlen(msg)) < 0) {}
}

static int shim_main(shim_opts_t *o, int status_fd) {
  char errbuf[2048] = "";
  rt_error_t err = {0};
  shim_log_t log;
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (shim_log_open(&log, o->log, o->log_max, &err) < 0) {
    report(status_fd, err.msg);
    return 1;
  }
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
    report(status_fd, "pipe failed");
    return 1;
  }
  int stdin_wr = -1, console = -1, ptm = -1;
  if (o->stdin_mode && !o->tty) { /* a terminal is its own stdin */
    int ip[2];
    if (pipe2(ip, O_CLOEXEC) < 0) {
      report(status_fd, "pipe failed");
      return 1;
    }
    o->stdin_rd = ip[0];
    stdin_wr = ip[1];
    fcntl(stdin_wr, F_SETFL, O_NONBLOCK); /* a process that does not read never blocks the shim */
  }
  if (o->tty && (console = shim_console_listen(o->bundle, &err)) < 0) {
    report(status_fd, err.msg);
    return 1;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  unlink(o->pid_file);
  char started[64], finished[64], buf[8192];
  rt_now_rfc3339(started, sizeof started);
  /* create's (and run's) errors go to the container's stderr pipe, which the runtime hands on */
  bool one_step = o->one_step && o->gate_fd < 0;
  if (run_runtime(o, one_step ? "run" : "create", out[1], errp[1], NULL, 0) < 0) {
    close(out[1]);
    close(errp[1]);
    drain_nonblocking(errp[0], errbuf, sizeof errbuf);
    report(status_fd, errbuf[0] ? errbuf : "runtime create failed");
    if (console >= 0) shim_console_receive(console, o->bundle, &err);
    return 1;
  }
  close(out[1]);
  close(errp[1]);
  if (o->stdin_rd >= 0) close(o->stdin_rd);
  o->stdin_rd = -1;
  if (console >= 0 && (ptm = shim_console_receive(console, o->bundle, &err)) < 0) {
    report(status_fd, err.msg);
    run_runtime(o, "delete", -1, -1, NULL, 0);
    return 1;
  }
  if (ptm >= 0) fcntl(ptm, F_SETFL, O_NONBLOCK);
  cleanup_free char *pidtxt = rt_read_file(o->pid_file);
  pid_t cpid = pidtxt ? (pid_t)atoi(pidtxt) : 0;
  if (cpid <= 0) {
    report(status_fd, "runtime create wrote no pid file");
    run_runtime(o, "delete", -1, -1, NULL, 0);
    return 1;
  }
  char oomf[4300];
  oom_file_of(cpid, oomf, sizeof oomf);
  /* run --detach has started the process already, and it may have been OOM-killed by now: its cgroup is
   * new (one per container instance), so its count before the start was 0 */
  long long oom_before = one_step ? 0 : oom_kills(oomf);
  if (o->gate_fd >= 0) {
    /* created: the caller finishes what the process needs (its pod's network), then opens the gate;
     * the gate closing without a byte (the caller gone or giving up) removes the container */
    snprintf(buf, sizeof buf, "{\"created\":true,\"containerPid\":%d}\n", (int)cpid);
    report(status_fd, buf);
    char go;
    ssize_t n;
    while ((n = read(o->gate_fd, &go, 1)) < 0 && errno == EINTR) {}
    close(o->gate_fd);
    if (n != 1) {
      report(status_fd, "{\"error\":\"start cancelled\",\"stage\":\"shim\"}");
      run_runtime(o, "delete", -1, -1, NULL, 0);
      return 1;
    }
  }
  if (!one_step) rt_now_rfc3339(started, sizeof started);
  if (!one_step && run_runtime(o, "start", -1, -1, errbuf, sizeof errbuf) < 0) {
    report(status_fd, errbuf[0] ? errbuf : "runtime start failed");
    run_runtime(o, "delete", -1, -1, NULL, 0);
    return 1;
  }
  snprintf(buf, sizeof buf, "%d", (int)getpid());
  if (rt_write_file_atomic(o->shim_pid_file, buf, &err) < 0) {}
  snprintf(buf, sizeof buf, "{\"shimPid\":%d,\"containerPid\":%d}\n", (int)getpid(), (int)cpid);
  report(status_fd, buf);
  close(status_fd);

  /* the attach server, right after the answer (binding a socket costs a file system write, kept off the
   * start's path: attachers wait for the socket to appear); a failure to listen costs attaching, never
   * the container */
  shim_attach_t attach;
  bool attachable = shim_attach_listen(&attach, o->bundle, &err) == 0;
  attach.stdin_fd = o->tty && o->stdin_mode ? ptm : stdin_wr;
  attach.pty = ptm;
  attach.tty = o->tty;
  attach.stdin_once = o->stdin_mode == 2;

  /* pfd: stdout, stderr, signals, the terminal, then the attach server's entries */
  shim_stream_t streams[3] = {{.name = "stdout"}, {.name = "stderr"}, {.name = "stdout"}};
  struct pollfd pfd[4 + 1 + SHIM_ATTACH_CLIENTS] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}, {sfd, POLLIN, 0},
                                                   {ptm, POLLIN, 0}};
  int wstatus = 0, open_streams = ptm >= 0 ? 3 : 2;
  bool exited = false;
  struct timespec deadline = {0, 0};
  while (open_streams > 0 || !exited) {
    int timeout = -1;
    if (exited) {
      /* processes that outlive the container's init may hold the pipes: wait at most 2s */
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long ms = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
      if (ms <= 0) break;
      timeout = (int)ms;
    }
    int nfds = 4 + (attachable ? shim_attach_pollfds(&attach, pfd + 4) : 0);
    int r = poll(pfd, (nfds_t)nfds, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) break;
    for (int i = 0; i < 4; i++) {
      if (i == 2 || pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(pfd[i].fd, buf, sizeof buf);
      if (n > 0) {
        shim_stream_feed(&log, &streams[i == 3 ? 2 : i], buf, (size_t)n);
        if (attachable) shim_attach_output(&attach, i == 1 ? 2 : 1, buf, (size_t)n);
      } else if (n < 0 && errno == EAGAIN) {
        continue;
      } else if (n == 0 || errno != EINTR) { /* a terminal's master reads EIO once the process is gone */
        shim_stream_flush(&log, &streams[i == 3 ? 2 : i]);
        close(pfd[i].fd);
        pfd[i].fd = -1;
        open_streams--;
      }
    }
    if (attachable) shim_attach_handle(&attach, pfd + 4);
    if (pfd[2].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {}
      int st;
      pid_t p;
      while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        if (p == cpid && !exited) {
          exited = true;
          wstatus = st;
          rt_now_rfc3339(finished, sizeof finished);
          clock_gettime(CLOCK_MONOTONIC, &deadline);
          deadline.tv_sec += 2;
        }
    }
  }
  for (int i = 0; i < 3; i++) shim_stream_flush(&log, &streams[i]);
  bool signaled = WIFSIGNALED(wstatus);
  int sig = signaled ? WTERMSIG(wstatus) : 0;
  bool oom = oom_kills(oomf) > oom_before && sig == SIGKILL;
  json_t *j = json_pack("{s:i,s:i,s:b,s:s,s:s,s:i}", "exitCode",
                        signaled ? 128 + sig : WEXITSTATUS(wstatus), "signal", sig, "oomKilled",
                        oom, "startedAt", started, "finishedAt", finished, "pid", (int)cpid);
  cleanup_free char *s = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  rt_write_file_atomic(o->exit_file, s, &err);
  if (attachable) shim_attach_finish(&attach, signaled ? 128 + sig : WEXITSTATUS(wstatus));
  run_runtime(o, "delete", -1, -1, NULL, 0);
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  return 0;
}

static int usage_error(const char *msg) {
  fprintf(stderr, "{\"error\":\"%s\",\"stage\":\"shim\"}\n", msg);
  return 2;
}

int main(int argc, char **argv) {
  static char runtime[4200], pidf[4200], shimpidf[4200];
  shim_opts_t o = {.log_max = 10 << 20, .gate_fd = -1, .stdin_rd = -1};
  bool gated = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return usage_error("every option takes a value");
    i++;
    if (!strcmp(a, "--id")) o.id = v;
    else if (!strcmp(a, "--bundle")) o.bundle = v;
    else if (!strcmp(a, "--log")) o.log = v;
    else if (!strcmp(a, "--exit-file")) o.exit_file = v;
    else if (!strcmp(a, "--runtime")) o.runtime = v;
    else if (!strcmp(a, "--root")) o.root = v;
    else if (!strcmp(a, "--pid-file")) o.pid_file = v;
    else if (!strcmp(a, "--shim-pid-file")) o.shim_pid_file = v;
    else if (!strcmp(a, "--log-max-size")) o.log_max = atoll(v);
    else if (!strcmp(a, "--start-gate") && !strcmp(v, "stdin")) gated = true;
    else if (!strcmp(a, "--stdin") && (!strcmp(v, "open") || !strcmp(v, "once"))) o.stdin_mode = v[1] == 'p' ? 1 : 2;
    else if (!strcmp(a, "--tty") && (!strcmp(v, "true") || !strcmp(v, "false"))) o.tty = v[0] == 't';
    else return usage_error("unknown option");
  }
  if (!o.id || !o.bundle || !o.log || !o.exit_file)
    return usage_error("usage: jkshim --id ID --bundle DIR --log FILE --exit-file FILE "
                       "[--runtime PATH] [--root DIR] [--log-max-size BYTES]");
  if (!o.runtime) {
    /* jkrt next to jkshim */
    ssize_t n = readlink("/proc/self/exe", runtime, sizeof runtime - 6);
    if (n < 0) return usage_error("cannot find jkrt");
    runtime[n] = '\0';
    snprintf(strrchr(runtime, '/') + 1, 6, "jkrt");
    o.runtime = runtime;
  }
  const char *base = strrchr(o.runtime, '/');
  o.one_step = !strcmp(base ? base + 1 : o.runtime, "jkrt");
  if (!o.pid_file) snprintf(pidf, sizeof pidf, "%s/container.pid", o.bundle), o.pid_file = pidf;
  if (!o.shim_pid_file)
    snprintf(shimpidf, sizeof shimpidf, "%s/shim.pid", o.bundle), o.shim_pid_file = shimpidf;
  int sp[2], gp[2] = {-1, -1};
  if (pipe2(sp, O_CLOEXEC) < 0 || (gated && pipe2(gp, O_CLOEXEC) < 0)) return usage_error("pipe failed");
  o.gate_fd = gp[0];
  /* one fork: the monitor leads a session of its own (it never opens a terminal, so needs no second
   * fork to lose a session leader's claim to one) and is orphaned when this process exits */
  pid_t child = fork();
  if (child < 0) return usage_error("fork failed");
  if (child == 0) {
    close(sp[0]);
    if (gp[1] >= 0) close(gp[1]);
    setsid();
    if (chdir("/") < 0) _exit(1);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
    _exit(shim_main(&o, sp[1]));
  }
  close(sp[1]);
  if (gp[0] >= 0) close(gp[0]);
  char msg[4096];
  size_t len = 0;
  ssize_t n;
  if (gated) {
    /* relay: "created" out, then one byte (or end of input) from our stdin to the monitor's gate */
    while (len + 1 < sizeof msg && !memchr(msg, '\n', len) && (n = read(sp[0], msg + len, sizeof msg - len - 1)) > 0)
      len += (size_t)n;
    msg[len] = '\0';
    if (strncmp(msg, "{\"created\"", 10) != 0) {
      fprintf(stderr, "%s\n", msg[0] ? msg : "{\"error\":\"shim exited early\",\"stage\":\"shim\"}");
      return 1;
    }
    fputs(msg, stdout);
    fflush(stdout);
    char go;
    while ((n = read(0, &go, 1)) < 0 && errno == EINTR) {}
    if (n == 1 && write(gp[1], &go, 1) != 1) {}
    close(gp[1]);
    len = 0;
  }
  while (len + 1 < sizeof msg && (n = read(sp[0], msg + len, sizeof msg - len - 1)) > 0) len += (size_t)n;
  msg[len] = '\0';
  if (strncmp(msg, "{\"shimPid\"", 10) == 0) {
    fputs(msg, stdout);
    return 0;
  }
  fprintf(stderr, "%s\n", msg[0] ? msg : "{\"error\":\"shim exited early\",\"stage\":\"shim\"}");
  return 1;
}

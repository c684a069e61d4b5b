/*
 * jkctl: the command line for jk clusters, as a small client of a warm per-user JVM.
 *
 * A JVM that only prints "hi" takes as long as kubectl's whole `get pods`, so jkctl does what
 * Gradle, Bazel and Nailgun do: commands that neither talk to a terminal nor run for long are
 * handed to a per-user daemon (the same Java code, kept warm) over a Unix socket in a 0700
 * directory ($XDG_RUNTIME_DIR/jkctl or ~/.kube/jkctl). The client sends argv, the working
 * directory, the whole environment and the terminal facts, relays stdout/stderr frames, feeds
 * stdin when the command reads it, and exits with the command's code.
 *
 * Everything else runs the JVM directly, exactly as before this client existed: interactive or
 * long commands (exec, logs, edit, -w, wait, rollout status, drain, ...), unknown ones, and every
 * case where the daemon cannot be used (none running, unsafe directory, busy, other build,
 * protocol error). A slow answer is acceptable, a wrong one never: once the daemon has accepted
 * a command the client never runs it a second time.
 *
 * When no daemon runs, the client starts one in the background (setsid, output to
 * DIR/daemon.log) and runs this command in the JVM itself, without waiting for it.
 *
 * Environment: JKCTL_DAEMON=0 never uses a daemon; JKCTL_DAEMON_DEBUG=1 says on stderr what the
 * client did; JKCTL_DAEMON_IDLE_TIMEOUT is given to a daemon it starts; JKCTL_JVM names the JVM
 * launcher (default: jk-java next to this binary). The wire protocol is described in
 * io.jk.cli.daemon.Protocol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef JKCTL_BUILD_ID
#define JKCTL_BUILD_ID "dev"
#endif

#define MAGIC "jkctl-daemon/1"
#define JVM_MAIN "io.jk.cli.JkctlCommand"
/* a failed daemon start is not retried sooner than this */
#define SPAWN_INTERVAL_S 30
/* a daemon that has not accepted a command by then is given up (the client runs the JVM) */
#define ACCEPT_TIMEOUT_MS 5000
/* the daemon's log is started anew past this size */
#define LOG_MAX_BYTES (1 << 20)

extern char **environ;

static int debug_on;

static void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void debug(const char *fmt, ...) {
  if (!debug_on)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("jkctl: daemon: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---------------------------------------------------------------- the JVM */

/* The directory of this binary (for jk-java), or "" when /proc/self/exe cannot be read. */
static void self_dir(char *out, size_t n) {
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  out[0] = '\0';
  if (len <= 0)
    return;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash == NULL)
    return;
  *slash = '\0';
  snprintf(out, n, "%s", exe);
}

/*
 * argv for the JVM: $JKCTL_JVM ARGS..., else DIR/jk-java jkctl io.jk.cli.JkctlCommand ARGS...
 * (extra: words put before ARGS). Returns NULL when out of memory.
 */
static char **jvm_argv(char *launcher, size_t n, const char *const *extra, int nextra, int argc, char **args) {
  const char *jvm = getenv("JKCTL_JVM");
  char **v = calloc((size_t)argc + (size_t)nextra + 4, sizeof *v);
  if (v == NULL)
    return NULL;
  int i = 0;
  if (jvm != NULL && jvm[0] != '\0') {
    snprintf(launcher, n, "%s", jvm);
    v[i++] = launcher;
  } else {
    char dir[PATH_MAX];
    self_dir(dir, sizeof dir);
    snprintf(launcher, n, "%s/jk-java", dir[0] ? dir : ".");
    v[i++] = launcher;
    v[i++] = "jkctl";
    v[i++] = JVM_MAIN;
  }
  for (int k = 0; k < nextra; k++)
    v[i++] = (char *)extra[k];
  for (int k = 0; k < argc; k++)
    v[i++] = args[k];
  v[i] = NULL;
  return v;
}

/* Runs the command in a JVM of its own: the way jkctl ran before the daemon. */
static void __attribute__((noreturn)) run_jvm(int argc, char **args) {
  char launcher[PATH_MAX];
  char **v = jvm_argv(launcher, sizeof launcher, NULL, 0, argc, args);
  if (v == NULL) {
    fprintf(stderr, "error: jkctl: out of memory\n");
    exit(1);
  }
  signal(SIGPIPE, SIG_DFL);
  execv(launcher, v);
  fprintf(stderr, "error: jkctl: cannot run %s: %s\n", launcher, strerror(errno));
  exit(127);
}

/* ------------------------------------------------------- which commands go to the daemon */

static int is_one_of(const char *s, const char *const *set) {
  for (; *set; set++)
    if (strcmp(s, *set) == 0)
      return 1;
  return 0;
}

/* Global flags that take a value as the next word. */
static const char *const VALUE_FLAGS[] = {"--kubeconfig", "--context", "-n", "--namespace", "--cache-dir", NULL};

/* Index of the first word that is neither a global flag nor its value, from `from`; -1 if none. */
static int next_word(int argc, char **args, int from) {
  for (int i = from; i < argc; i++) {
    if (strcmp(args[i], "--") == 0)
      return -1;
    if (is_one_of(args[i], VALUE_FLAGS))
      i++;
    else if (args[i][0] != '-')
      return i;
  }
  return -1;
}

/* Whether `get`'s arguments ask to watch (-w, --watch, --watch-only, or w in a cluster like -Aw). */
static int get_watches(int argc, char **args, int from) {
  /* short options of get that take a value: what follows them in a cluster is that value */
  const char *valued = "nolLcf";
  for (int i = from; i < argc; i++) {
    const char *a = args[i];
    if (strcmp(a, "--") == 0)
      break;
    if (strncmp(a, "--watch", 7) == 0)
      return 1;
    if (a[0] == '-' && a[1] != '-') {
      for (const char *c = a + 1; *c; c++) {
        if (*c == 'w')
          return 1;
        if (strchr(valued, *c))
          break;
      }
    }
    if (is_one_of(a, VALUE_FLAGS) || strcmp(a, "-o") == 0 || strcmp(a, "-l") == 0 ||
        strcmp(a, "--output") == 0 || strcmp(a, "--selector") == 0 || strcmp(a, "--field-selector") == 0)
      i++; /* its value, which may well contain a 'w' ("-o wide") */
  }
  return 0;
}

/* Whether the daemon may run this command: not interactive, not long, known. */
static int daemon_command(int argc, char **args) {
  static const char *const simple[] = {"apply", "create", "replace", "delete", "describe", "scale", "label",
                                       "annotate", "patch", "cordon", "uncordon", "top", "version",
                                       "api-resources", "cluster-info", "config", "completion", NULL};
  static const char *const rollout_ok[] = {"history", "undo", "restart", "pause", "resume", NULL};
  int c = next_word(argc, args, 0);
  if (c < 0)
    return 0;
  const char *cmd = args[c];
  if (strcmp(cmd, "get") == 0)
    return !get_watches(argc, args, c + 1);
  if (strcmp(cmd, "rollout") == 0) {
    int s = next_word(argc, args, c + 1);
    return s >= 0 && is_one_of(args[s], rollout_ok);
  }
  return is_one_of(cmd, simple);
}

/* ------------------------------------------------------------ the socket directory */

/* A base directory we own: $XDG_RUNTIME_DIR, else ~/.kube (made when missing and `create`). */
static int base_dir(char *out, size_t n, int create) {
  struct stat st;
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid()) {
    snprintf(out, n, "%s", xdg);
    return 0;
  }
  const char *home = getenv("HOME");
  if (home == NULL || home[0] != '/') {
    debug("no XDG_RUNTIME_DIR of ours and no absolute HOME");
    return -1;
  }
  if ((size_t)snprintf(out, n, "%s/.kube", home) >= n)
    return -1;
  if (create && mkdir(out, 0750) != 0 && errno != EEXIST) {
    debug("cannot make %s: %s", out, strerror(errno));
    return -1;
  }
  if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
    debug("%s is missing or not a directory of ours", out);
    return -1;
  }
  return 0;
}

/*
 * The daemon's directory BASE/jkctl, made 0700 when missing and `create`. It must be a real
 * directory owned by us and closed to everybody else: anything else is refused (never fixed).
 */
static int daemon_dir(char *out, size_t n, int create) {
  char base[PATH_MAX];
  if (base_dir(base, sizeof base, create) != 0)
    return -1;
  if ((size_t)snprintf(out, n, "%s/jkctl", base) >= n)
    return -1;
  if (create && mkdir(out, 0700) != 0 && errno != EEXIST) {
    debug("cannot make %s: %s", out, strerror(errno));
    return -1;
  }
  struct stat st;
  if (lstat(out, &st) != 0) {
    debug("no %s: %s", out, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    debug("refusing %s: %s, owner uid %u, mode %04o (want a directory of uid %u, mode 0700)", out,
          S_ISDIR(st.st_mode) ? "directory" : "not a directory", (unsigned)st.st_uid,
          (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    return -1;
  }
  return 0;
}

/*
 * Connects to DIR/sock; on success also gives the daemon's pid (checked to run as our user). On
 * failure *absent says whether no daemon listens there (so that starting one can help).
 */
static int connect_daemon(const char *dir, pid_t *pid, int *absent) {
  *absent = 0;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if ((size_t)snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", dir) >= sizeof addr.sun_path) {
    debug("socket path %s/sock is too long for a Unix socket", dir);
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    *absent = errno == ENOENT || errno == ECONNREFUSED;
    debug("cannot connect to %s: %s", addr.sun_path, strerror(errno));
    close(fd);
    return -1;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
    debug("refusing the daemon at %s: not our user", addr.sun_path);
    close(fd);
    return -1;
  }
  *pid = cred.pid;
  return fd;
}

/* ----------------------------------------------------------------- starting a daemon */

/* Starts a daemon in the background (at most once per SPAWN_INTERVAL_S), not waiting for it. */
static void spawn_daemon(const char *dir) {
  char stamp[PATH_MAX];
  struct stat st;
  snprintf(stamp, sizeof stamp, "%s/spawned", dir);
  if (stat(stamp, &st) == 0 && time(NULL) - st.st_mtime < SPAWN_INTERVAL_S && time(NULL) >= st.st_mtime) {
    debug("a daemon was started less than %ds ago: not starting another", SPAWN_INTERVAL_S);
    return;
  }
  int sfd = open(stamp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (sfd < 0 || futimens(sfd, NULL) != 0) {
    debug("cannot write %s: %s", stamp, strerror(errno));
    if (sfd >= 0)
      close(sfd);
    return;
  }
  close(sfd);
  pid_t child = fork();
  if (child < 0) {
    debug("fork: %s", strerror(errno));
    return;
  }
  if (child == 0) {
    /* a session of its own, and a grandchild so that it is nobody's child here */
    if (setsid() < 0 || fork() != 0)
      _exit(0);
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/daemon.log", dir);
    int trunc = stat(log, &st) == 0 && st.st_size > LOG_MAX_BYTES ? O_TRUNC : 0;
    int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | trunc, 0600);
    int nfd = open("/dev/null", O_RDONLY);
    if (lfd < 0 || nfd < 0 || chdir("/") != 0 || dup2(nfd, 0) < 0 || dup2(lfd, 1) < 0 || dup2(lfd, 2) < 0)
      _exit(1);
    /* nothing of the caller's (pipes a test or a shell waits on) may stay open in the daemon */
    close_range(3, ~0U, 0);
    signal(SIGPIPE, SIG_DFL);
    const char *opts = getenv("JK_JAVA_OPTS");
    char jopts[4096];
    snprintf(jopts, sizeof jopts, "-Xmx512m -XX:+ExitOnOutOfMemoryError%s%s", opts ? " " : "", opts ? opts : "");
    setenv("JK_JAVA_OPTS", jopts, 1);
    const char *extra[] = {"daemon", "run", "--dir", dir};
    char launcher[PATH_MAX];
    char **v = jvm_argv(launcher, sizeof launcher, extra, 4, 0, NULL);
    if (v != NULL)
      execv(launcher, v);
    fprintf(stderr, "jkctl: cannot run %s: %s\n", launcher, strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  debug("started a daemon for %s (the next command can use it)", dir);
}

/* --------------------------------------------------------------------- the protocol */

struct buf {
  char *p;
  size_t len, cap;
};

static int buf_put(struct buf *b, const void *data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

static int buf_u32(struct buf *b, uint32_t v) {
  unsigned char x[4] = {v >> 24, v >> 16, v >> 8, v};
  return buf_put(b, x, 4);
}

static int buf_str(struct buf *b, const char *s) {
  size_t n = strlen(s);
  return buf_u32(b, (uint32_t)n) || buf_put(b, s, n);
}

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads exactly n bytes: 0, or -1 at an error or the end of the stream. */
static int read_all(int fd, void *data, size_t n) {
  char *p = data;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int send_frame(int fd, char type, const void *data, size_t n) {
  unsigned char head[5] = {(unsigned char)type, n >> 24, n >> 16, n >> 8, n};
  return write_all(fd, head, 5) || (n > 0 && write_all(fd, data, n));
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The request frame: magic, build id, kind, cwd, tty flags, columns, argv, environment. */
static int send_request(int fd, const char *kind, int argc, char **args) {
  struct buf b = {0};
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) {
    debug("no working directory: %s", strerror(errno));
    return -1;
  }
  int ttys = (isatty(0) ? 1 : 0) | (isatty(1) ? 2 : 0) | (isatty(2) ? 4 : 0);
  struct winsize ws = {0};
  if (ioctl(1, TIOCGWINSZ, &ws) != 0 && ioctl(2, TIOCGWINSZ, &ws) != 0)
    ws.ws_col = 0;
  int bad = buf_str(&b, MAGIC) || buf_str(&b, JKCTL_BUILD_ID) || buf_str(&b, kind) || buf_str(&b, cwd) ||
            buf_u32(&b, (uint32_t)ttys) || buf_u32(&b, ws.ws_col) || buf_u32(&b, (uint32_t)argc);
  for (int i = 0; !bad && i < argc; i++)
    bad = buf_str(&b, args[i]);
  uint32_t envc = 0;
  for (char **e = environ; *e; e++)
    envc++;
  bad = bad || buf_u32(&b, envc);
  for (char **e = environ; !bad && *e; e++)
    bad = buf_str(&b, *e);
  bad = bad || send_frame(fd, 'Q', b.p, b.len);
  free(b.p);
  return bad ? -1 : 0;
}

enum outcome { FALLBACK, DONE };

/*
 * Relays one command's frames. Returns FALLBACK when the daemon declined before accepting (the
 * caller runs the JVM), else sets *code and returns DONE.
 */
static enum outcome relay(int fd, const char *dir, int *code, int *mismatch) {
  static char data[65536];
  int accepted = 0;
  int out_broken = 0, err_broken = 0;
  for (;;) {
    unsigned char head[5];
    if (!accepted) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r;
      while ((r = poll(&p, 1, ACCEPT_TIMEOUT_MS)) < 0 && errno == EINTR) {
      }
      if (r == 0) {
        debug("no answer from the daemon in %d ms", ACCEPT_TIMEOUT_MS);
        return FALLBACK; /* closing without a go: the daemon will not run it */
      }
    }
    if (read_all(fd, head, 5) != 0) {
      if (!accepted) {
        debug("the daemon closed the connection before accepting");
        return FALLBACK;
      }
      fprintf(stderr, "error: jkctl: lost the connection to the jkctl daemon (see %s/daemon.log)\n", dir);
      *code = 1;
      return DONE;
    }
    uint32_t len = get_u32(head + 1);
    char type = (char)head[0];
    if (type == '1' || type == '2') {
      int out = type == '1' ? 1 : 2;
      int *broken = type == '1' ? &out_broken : &err_broken;
      while (len > 0) {
        size_t n = len < sizeof data ? len : sizeof data;
        if (read_all(fd, data, n) != 0)
          break;
        /* a closed pipe (jkctl get pods | head -1): the rest is dropped, as the JVM drops it */
        if (!*broken && write_all(out, data, n) != 0)
          *broken = 1;
        len -= (uint32_t)n;
      }
      continue; /* a failed read is reported by the next header's */
    }
    if (type == 'R' || type == 'X') {
      unsigned char v[4];
      if (len != 4 || read_all(fd, v, 4) != 0) {
        fprintf(stderr, "error: jkctl: bad frame from the jkctl daemon\n");
        *code = 1;
        return accepted ? DONE : FALLBACK;
      }
      uint32_t n = get_u32(v);
      if (type == 'X') {
        *code = (int)(n & 0xff);
        return DONE;
      }
      ssize_t r;
      do {
        r = read(0, data, n < sizeof data ? n : sizeof data);
      } while (r < 0 && errno == EINTR);
      if (send_frame(fd, 'I', data, r > 0 ? (size_t)r : 0) != 0)
        debug("cannot send stdin to the daemon");
      continue;
    }
    /* A, B, M, F: small payloads, kept for the debug message */
    char msg[512] = "";
    size_t keep = len < sizeof msg - 1 ? len : sizeof msg - 1;
    if (read_all(fd, msg, keep) != 0) {
      *code = 1;
      return accepted ? DONE : FALLBACK;
    }
    msg[keep] = '\0';
    for (uint32_t rest = len - (uint32_t)keep; rest > 0;) {
      size_t n = rest < sizeof data ? rest : sizeof data;
      if (read_all(fd, data, n) != 0)
        break;
      rest -= (uint32_t)n;
    }
    switch (type) {
    case 'A':
      /* committed from here on: the command runs in the daemon, never a second time here */
      if (send_frame(fd, 'G', NULL, 0) != 0) {
        debug("cannot confirm to the daemon");
        return FALLBACK;
      }
      accepted = 1;
      break;
    case 'B':
      debug("the daemon is busy");
      return FALLBACK;
    case 'M':
      debug("the daemon is build %s, this client %s", msg, JKCTL_BUILD_ID);
      *mismatch = 1;
      return FALLBACK;
    case 'F':
      debug("the daemon refused: %s", msg);
      return FALLBACK;
    default:
      if (!accepted) {
        debug("unknown frame '%c' from the daemon", type);
        return FALLBACK;
      }
      fprintf(stderr, "error: jkctl: unknown frame from the jkctl daemon\n");
      *code = 1;
      return DONE;
    }
  }
}

/* ----------------------------------------------------------------- jkctl daemon ... */

/* Whether process pid is gone (or a zombie about to be reaped). */
static int gone(pid_t pid) {
  char path[64], stat_line[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 1;
  ssize_t n = read(fd, stat_line, sizeof stat_line - 1);
  close(fd);
  if (n <= 0)
    return 1;
  stat_line[n] = '\0';
  char *paren = strrchr(stat_line, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* jkctl daemon status|stop|run: the client's own commands. */
static int daemon_admin(int argc, char **args) {
  const char *sub = argc > 1 ? args[1] : "";
  char dir[PATH_MAX];
  if (strcmp(sub, "run") == 0) {
    if (daemon_dir(dir, sizeof dir, 1) != 0) {
      fprintf(stderr, "error: no usable jkctl daemon directory (JKCTL_DAEMON_DEBUG=1 says why)\n");
      return 1;
    }
    const char *extra[] = {"daemon", "run", "--dir", dir};
    char launcher[PATH_MAX];
    char **v = jvm_argv(launcher, sizeof launcher, extra, 4, argc - 2, args + 2);
    if (v == NULL)
      return 1;
    signal(SIGPIPE, SIG_DFL);
    execv(launcher, v);
    fprintf(stderr, "error: jkctl: cannot run %s: %s\n", launcher, strerror(errno));
    return 127;
  }
  if (strcmp(sub, "status") != 0 && strcmp(sub, "stop") != 0) {
    fprintf(stderr, "usage: jkctl daemon status|stop|run [--idle-timeout 10m] [--max-requests 4]\n");
    return 2;
  }
  pid_t pid = 0;
  int absent;
  int fd = daemon_dir(dir, sizeof dir, 0) == 0 ? connect_daemon(dir, &pid, &absent) : -1;
  if (fd < 0) {
    printf("no jkctl daemon is running\n");
    return strcmp(sub, "stop") == 0 ? 0 : 1;
  }
  int code = 1, mismatch = 0;
  if (send_request(fd, sub, 0, NULL) != 0 || relay(fd, dir, &code, &mismatch) != DONE) {
    fprintf(stderr, "error: the jkctl daemon (pid %d) did not answer\n", (int)pid);
    close(fd);
    return 1;
  }
  close(fd);
  if (strcmp(sub, "stop") == 0) {
    /* running commands get 10 s to finish; then the daemon is ended by its pid */
    for (int i = 0; i < 150 && !gone(pid); i++)
      sleep_ms(100);
    if (!gone(pid)) {
      kill(pid, SIGTERM);
      for (int i = 0; i < 50 && !gone(pid); i++)
        sleep_ms(100);
    }
    if (!gone(pid)) {
      fprintf(stderr, "error: the jkctl daemon (pid %d) did not stop\n", (int)pid);
      return 1;
    }
    printf("jkctl daemon (pid %d) stopped\n", (int)pid);
  }
  return code;
}

/* ------------------------------------------------------------------------- main */

int main(int argc, char **argv) {
  int n = argc - 1;
  char **args = argv + 1;
  const char *dbg = getenv("JKCTL_DAEMON_DEBUG");
  debug_on = dbg != NULL && strcmp(dbg, "1") == 0;
  /* a peer that went away (the daemon, a closed stdout pipe) is an error to handle, not a signal */
  signal(SIGPIPE, SIG_IGN);
  if (n > 0 && strcmp(args[0], "daemon") == 0)
    return daemon_admin(n, args);
  const char *use = getenv("JKCTL_DAEMON");
  if ((use != NULL && strcmp(use, "0") == 0) || !daemon_command(n, args))
    run_jvm(n, args);

  char dir[PATH_MAX];
  if (daemon_dir(dir, sizeof dir, 1) != 0)
    run_jvm(n, args);
  pid_t pid = 0;
  int absent;
  int fd = connect_daemon(dir, &pid, &absent);
  if (fd < 0) {
    if (absent)
      spawn_daemon(dir);
    run_jvm(n, args);
  }
  int code = 1, mismatch = 0;
  if (send_request(fd, "run", n, args) != 0) {
    debug("cannot send the request");
    close(fd);
    run_jvm(n, args);
  }
  if (relay(fd, dir, &code, &mismatch) == FALLBACK) {
    close(fd);
    if (mismatch)
      spawn_daemon(dir);
    run_jvm(n, args);
  }
  debug("served by pid %d", (int)pid);
  return code;
}

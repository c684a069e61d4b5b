/* jkrt command line, shaped like runc's: jkrt [--root DIR] COMMAND [OPTIONS] ID ... */
#include "jkrt.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *usage =
    "usage: jkrt [--root DIR] COMMAND ...\n"
    "  create [--bundle DIR] [--pid-file F] [--console-socket S] ID   set up the container, process waits\n"
    "  start ID                                   run the created process\n"
    "  run [--bundle DIR] [--pid-file F] [--detach] ID   create+start+wait+delete, exit code of the\n"
    "                                             process; with --detach: create+start, then return\n"
    "  state ID | list | kill ID [SIGNAL] | delete [--force] ID | pause ID | resume ID\n"
    "  exec [--cwd D] [--env K=V] [--user UID[:GID]] [--tty] [--pid-file F] [--detach] ID [--] ARGS...\n";

static int bad_usage(rt_error_t *err, const char *what) {
  rt_set_stage(err, "cli");
  return rt_make_error(err, 0, "%s (see jkrt --help)", what);
}

static int parse_signal(const char *s) {
  static const struct { const char *n; int sig; } sigs[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT},
      {"STOP", SIGSTOP}, {"WINCH", SIGWINCH}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}};
  char *end;
  long n = strtol(s, &end, 10);
  if (*s && !*end) return n > 0 && n < NSIG ? (int)n : -1;
  if (!strncasecmp(s, "SIG", 3)) s += 3;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
    if (!strcasecmp(s, sigs[i].n)) return sigs[i].sig;
  return -1;
}

/* Options common to create and run; returns the id. */
static const char *parse_create(int argc, char **argv, rt_create_opts_t *o, rt_error_t *err) {
  const char *id = NULL;
  o->bundle = ".";
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if ((!strcmp(a, "--bundle") || !strcmp(a, "-b")) && i + 1 < argc) o->bundle = argv[++i];
    else if (!strncmp(a, "--bundle=", 9)) o->bundle = a + 9;
    else if (!strcmp(a, "--pid-file") && i + 1 < argc) o->pid_file = argv[++i];
    else if (!strncmp(a, "--pid-file=", 11)) o->pid_file = a + 11;
    else if (!strcmp(a, "--preserve-fds") && i + 1 < argc) o->preserve_fds = atoi(argv[++i]);
    else if (!strcmp(a, "--detach") || !strcmp(a, "-d")) o->detach = true;
    else if (!strcmp(a, "--no-new-keyring")) {}
    else if (!strcmp(a, "--console-socket") && i + 1 < argc) o->console_socket = argv[++i];
    else if (!strncmp(a, "--console-socket=", 17)) o->console_socket = a + 17;
    else if (a[0] == '-') { bad_usage(err, "unknown option"); return NULL; }
    else id = a;
  }
  if (!id) bad_usage(err, "missing container id");
  return id;
}

static int cmd_list(const char *root, rt_error_t *err) {
  DIR *d = opendir(root);
  printf("%-24s %-8s %-8s %s\n", "ID", "PID", "STATUS", "BUNDLE");
  if (!d) return errno == ENOENT ? 0 : rt_make_error(err, errno, "open %s", root);
  struct dirent *e;
  while ((e = readdir(d))) {
    rt_state_t st;
    rt_error_t ignored;
    if (e->d_name[0] == '.' || rt_state_load(root, e->d_name, &st, &ignored) < 0) continue;
    const char *status = rt_state_status(&st);
    printf("%-24s %-8d %-8s %s\n", st.id, strcmp(status, "stopped") ? (int)st.pid : 0, status,
           st.bundle);
  }
  closedir(d);
  return 0;
}

static int cmd_exec(const char *root, int argc, char **argv, int *code, rt_error_t *err) {
  rt_exec_opts_t o = {0};
  const char *id = NULL;
  const char *envs[256];
  int i;
  o.env = envs;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (id) break;
    if (!strcmp(a, "--cwd") && i + 1 < argc) o.cwd = argv[++i];
    else if ((!strcmp(a, "--env") || !strcmp(a, "-e")) && i + 1 < argc && o.nenv < 255) envs[o.nenv++] = argv[++i];
    else if ((!strcmp(a, "--user") || !strcmp(a, "-u")) && i + 1 < argc) o.user = argv[++i];
    else if (!strcmp(a, "--pid-file") && i + 1 < argc) o.pid_file = argv[++i];
    else if (!strcmp(a, "--tty") || !strcmp(a, "-t")) o.tty = true;
    else if (!strcmp(a, "--detach") || !strcmp(a, "-d")) o.detach = true;
    else if (a[0] == '-') return bad_usage(err, "unknown exec option");
    else id = a;
  }
  if (!id && i < argc) id = argv[i++];
  if (!id) return bad_usage(err, "missing container id");
  if (i >= argc) return bad_usage(err, "missing command to exec");
  o.args = argv + i;
  envs[o.nenv] = NULL;
  return rt_container_exec(root, id, &o, code, err);
}

static char **full_argv;

static int run_command(const char *root, const char *cmd, int argc, char **argv, int *code,
                       rt_error_t *err) {
  *code = 0;
  if (!strcmp(cmd, "create") || !strcmp(cmd, "run")) {
    bool run = !strcmp(cmd, "run");
    rt_create_opts_t o = {.root = root, .argv = full_argv};
    if (!(o.id = parse_create(argc, argv, &o, err))) return -1;
    /* run --detach is create and start in one process (one exec fewer for a shim) */
    o.detach_wait = run && !o.detach;
    if (rt_container_create(&o, code, err) < 0) return -1;
    if (run && o.detach && rt_container_start(root, o.id, err) < 0) {
      rt_error_t ignored = {0};
      rt_container_delete(root, o.id, true, &ignored);
      return -1;
    }
    return 0;
  }
  if (!strcmp(cmd, "list")) return cmd_list(root, err);
  if (!strcmp(cmd, "exec")) return cmd_exec(root, argc, argv, code, err);
  bool force = false, all = false;
  const char *id = NULL, *extra = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) force = true;
    else if (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a")) all = true;
    else if (argv[i][0] == '-' && id == NULL) return bad_usage(err, "unknown option");
    else if (!id) id = argv[i];
    else extra = argv[i];
  }
  if (!id) return bad_usage(err, "missing container id");
  if (!strcmp(cmd, "start")) return rt_container_start(root, id, err);
  if (!strcmp(cmd, "delete")) return rt_container_delete(root, id, force, err);
  rt_state_t st;
  if (rt_state_load(root, id, &st, err) < 0) return -1;
  if (!strcmp(cmd, "state")) return rt_state_print(&st, err);
  if (!strcmp(cmd, "kill")) {
    int sig = extra ? parse_signal(extra) : SIGTERM;
    rt_set_stage(err, "kill");
    if (sig < 0) return rt_make_error(err, 0, "unknown signal %s", extra);
    if (!strcmp(rt_state_status(&st), "stopped"))
      return rt_make_error(err, ESRCH, "container %s is not running", id);
    if (kill(st.pid, sig) < 0) return rt_make_error(err, errno, "kill %d", (int)st.pid);
    if (all) st.cg.ops->kill_all(&st.cg, sig); /* every process in the container's cgroup */
    return 0;
  }
  if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume")) {
    rt_set_stage(err, cmd);
    if (!strcmp(rt_state_status(&st), "stopped"))
      return rt_make_error(err, 0, "container %s is not running", id);
    return st.cg.ops->freeze(&st.cg, !strcmp(cmd, "pause"), err);
  }
  return bad_usage(err, "unknown command");
}

int main(int argc, char **argv) {
  const char *root = "/run/jkrt";
  rt_error_t err = {0};
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(usage, stdout); return 0; }
    if (!strcmp(a, "--version") || !strcmp(a, "-v")) { puts("jkrt version 0.1.0\nspec: 1.0.2"); return 0; }
    if (!strcmp(a, "--root") && i + 1 < argc) root = argv[++i];
    else if (!strncmp(a, "--root=", 7)) root = a + 7;
    else if (!strcmp(a, "--cgroup2-root") && i + 1 < argc) rt_cgroup2_root = argv[++i];
    else if ((!strcmp(a, "--log") || !strcmp(a, "--log-format")) && i + 1 < argc) i++;
    else if (!strcmp(a, "--debug")) {}
    else if (!strcmp(a, "--systemd-cgroup")) {
      bad_usage(&err, "--systemd-cgroup is not supported");
      rt_print_error(&err);
      return 2;
    } else {
      bad_usage(&err, "unknown global option");
      rt_print_error(&err);
      return 2;
    }
  }
  if (i >= argc) { fputs(usage, stderr); return 2; }
  const char *cmd = argv[i];
  if (!strcmp(cmd, "create") || !strcmp(cmd, "run") || !strcmp(cmd, "exec")) {
    rt_signals_snapshot();
    json_object_seed((size_t)getpid() ^ (size_t)time(NULL)); /* not from /dev/urandom: 3 syscalls */
  }
  /* exec re-executes from a sealed copy first, so no container process can reach the jkrt
   * binary on the host through /proc/<pid>/exe (create does the same when it joins an
   * existing PID namespace, see rt_container_create). */
  if (!strcmp(cmd, "exec") && !getenv("_JKRT_SEALED")) {
    rt_reexec_from_memfd(argv, &err);
    rt_print_error(&err);
    return 1;
  }
  full_argv = argv;
  int code;
  if (run_command(root, cmd, argc - i - 1, argv + i + 1, &code, &err) < 0) {
    rt_print_error(&err);
    return 1;
  }
  return code;
}

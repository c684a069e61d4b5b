/* jkrt: an OCI runtime. Shared types and the functions each file offers. */
#ifndef JKRT_H
#define JKRT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

/* ---- error.c: every fallible function returns -1 and fills an rt_error_t. ---- */
typedef struct {
  int errnum;          /* errno at the failure, 0 when not a system error */
  char stage[32];      /* "spec", "cgroups", "namespaces", "mounts", "process", ... */
  char msg[1024];      /* "mount proc: Operation not permitted" */
} rt_error_t;

int rt_make_error(rt_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rt_set_stage(rt_error_t *err, const char *stage);
void rt_print_error(const rt_error_t *err);

/* cleanup helpers */
void rt_freep(void *p);
void rt_closep(int *fd);
#define cleanup_free __attribute__((cleanup(rt_freep)))
#define cleanup_close __attribute__((cleanup(rt_closep)))

int rt_write_file(const char *path, const char *data, rt_error_t *err);
int rt_write_file_atomic(const char *path, const char *data, rt_error_t *err);
/* Reads a whole small file into a malloc'd NUL-terminated buffer; NULL on failure. */
char *rt_read_file(const char *path);
int rt_mkdir_p(const char *path, mode_t mode);

/* ---- spec.c: the config.json subset jkrt understands. ---- */
enum { CAP_BND, CAP_EFF, CAP_INH, CAP_PRM, CAP_AMB, CAP_SETS };

typedef struct {
  const char *dest, *type, *source;
  char *data;                 /* unknown options joined for the filesystem */
  unsigned long flags;        /* MS_* without propagation */
  unsigned long propagation;  /* MS_PRIVATE/SHARED/SLAVE/UNBINDABLE (+MS_REC) or 0 */
  bool bind, recursive;
} rt_mount_t;

typedef struct { int flag; const char *path; } rt_ns_t;
typedef struct { int resource; uint64_t soft, hard; } rt_rlimit_t;

#define RT_UNSET INT64_MIN
typedef struct {
  int64_t mem_limit, mem_reservation, mem_swap;
  int64_t cpu_shares, cpu_quota, cpu_period;
  const char *cpus, *mems;
  int64_t pids_limit;
  json_t *devices;            /* linux.resources.devices rules (borrowed), or NULL */
} rt_resources_t;

typedef struct {
  const char **args, **env;   /* NULL-terminated */
  const char *cwd;
  uid_t uid; gid_t gid;
  gid_t *gids; size_t ngids;
  uint64_t caps[CAP_SETS];
  bool nnp, terminal;
  rt_rlimit_t *rlimits; size_t nrlimits;
  bool has_oom_adj; int oom_adj;
} rt_process_t;

typedef struct {
  json_t *json;               /* owns every string below */
  char bundle[4096], rootfs[4096];
  bool rootfs_ro;
  const char *hostname;
  rt_process_t proc;
  rt_mount_t *mounts; size_t nmounts;
  rt_ns_t ns[8]; size_t nns;
  rt_resources_t res;
  const char *cgroups_path;
  const char **masked, **readonly;   /* NULL-terminated */
  const char **sysctl_keys, **sysctl_vals; size_t nsysctl;
  unsigned long rootfs_prop;
  json_t *seccomp;            /* borrowed, NULL when absent */
} rt_spec_t;

int rt_spec_load(const char *bundle, rt_spec_t *spec, rt_error_t *err);
int rt_spec_parse_process(json_t *jp, rt_process_t *p, rt_error_t *err);
void rt_spec_free(rt_spec_t *spec);
bool rt_spec_has_ns(const rt_spec_t *spec, int flag, const char **path);
int rt_cap_from_name(const char *name);
int rt_parse_mount_options(json_t *opts, rt_mount_t *m, rt_error_t *err);

/* ---- cgroups.c: v1 and v2 behind one table. ---- */
#define RT_CG_MAX 8
typedef struct rt_cgroup rt_cgroup_t;
typedef struct {
  const char *name;
  int (*create)(rt_cgroup_t *cg, const rt_resources_t *res, rt_error_t *err);
  int (*enter)(rt_cgroup_t *cg, pid_t pid, rt_error_t *err);
  int (*freeze)(rt_cgroup_t *cg, bool frozen, rt_error_t *err);
  int (*frozen)(rt_cgroup_t *cg);
  int (*oom_kills)(rt_cgroup_t *cg);
  int (*kill_all)(rt_cgroup_t *cg, int sig);
  int (*destroy)(rt_cgroup_t *cg, rt_error_t *err);
} rt_cgroup_ops_t;

struct rt_cgroup {
  const rt_cgroup_ops_t *ops;
  size_t n;
  char ctrl[RT_CG_MAX][32];     /* v1 controller name, "" for v2 */
  char path[RT_CG_MAX][4096];   /* absolute directory of the container's cgroup */
  char v2root[4096];            /* v2: the hierarchy's root directory */
};

/* Fills cg for a container: relative cgroupsPath (or none) under the caller's cgroup. */
int rt_cgroup_init(rt_cgroup_t *cg, const char *cgroups_path, const char *id,
                   const rt_resources_t *res, rt_error_t *err);
/* Rebuilds cg from the paths saved in the state file. */
int rt_cgroup_from_json(rt_cgroup_t *cg, json_t *paths, rt_error_t *err);
json_t *rt_cgroup_to_json(const rt_cgroup_t *cg);
/* The v2 backend rooted at a directory (a real cgroup2 mount or a test fake). */
int rt_cgroup_v2_init_at(rt_cgroup_t *cg, const char *root, const char *rel, rt_error_t *err);
extern const rt_cgroup_ops_t rt_cgroup_v1_ops, rt_cgroup_v2_ops;
extern const char *rt_cgroup2_root;

/* ---- namespaces.c ---- */
int rt_ns_flag_from_name(const char *name);
const char *rt_ns_proc_name(int flag);
/* Joins every namespace given by path except mount (done in the child). */
int rt_ns_join_paths(const rt_spec_t *spec, bool include_mnt, rt_error_t *err);
/* Joins the namespaces of a running process (for exec); with cgroup_ns, the cgroup namespace
 * is not joined but its fd returned there (-1 when it is already ours). */
int rt_ns_join_pid(pid_t pid, int *cgroup_ns, rt_error_t *err);
int rt_ns_clone_flags(const rt_spec_t *spec);
/* Brings up lo in the calling process's (new) network namespace. */
int rt_ns_loopback_up(rt_error_t *err);

/* ---- mounts.c ---- */
int rt_setup_rootfs(const rt_spec_t *spec, const rt_cgroup_t *cg, rt_error_t *err);
int rt_apply_sysctls(const rt_spec_t *spec, rt_error_t *err);
int rt_pivot_and_protect(const rt_spec_t *spec, rt_error_t *err);

/* ---- process.c ---- */
int rt_cap_last(void);
/* Everything between the end of setup and execve, in the child. */
int rt_process_prepare(const rt_process_t *p, json_t *seccomp, int preserve_fds, bool *seccomp_done,
                       rt_error_t *err);
int rt_process_seccomp(json_t *seccomp, rt_error_t *err);
int rt_process_exec(const rt_process_t *p, rt_error_t *err);
/* Notes which signals the caller left ignored (main, before any handler is installed), so that
 * rt_process_exec resets only those. */
void rt_signals_snapshot(void);
/* Re-executes jkrt from a sealed memfd copy of itself (CVE-2019-5736); returns only on error. */
int rt_reexec_from_memfd(char **argv, rt_error_t *err);

/* ---- state.c ---- */
typedef struct {
  char id[256], bundle[4096], dir[4096];
  pid_t pid;
  unsigned long long starttime;
  char created[64];
  rt_cgroup_t cg;
} rt_state_t;

int rt_state_dir(const char *root, const char *id, char *out, size_t len, rt_error_t *err);
int rt_state_save(const rt_state_t *st, rt_error_t *err);
int rt_state_load(const char *root, const char *id, rt_state_t *st, rt_error_t *err);
/* "created", "running", "paused" or "stopped". */
const char *rt_state_status(rt_state_t *st);
bool rt_pid_alive(pid_t pid, unsigned long long starttime);
unsigned long long rt_pid_starttime(pid_t pid);
int rt_state_print(rt_state_t *st, rt_error_t *err);
int rt_state_remove(rt_state_t *st, rt_error_t *err);
void rt_now_rfc3339(char *buf, size_t len);

/* ---- terminal.c ---- */
/* A pseudo-terminal pair from /dev/ptmx (of the current mount namespace); name gets the slave's. */
int rt_pty_open(int *ptm, int *pts, char *name, size_t namelen, rt_error_t *err);
/* Copies stdin to the terminal and the terminal to stdout until its process side closes. */
void rt_pty_copy(int ptm);
/* Connects to a --console-socket; returns the fd. */
int rt_console_connect(const char *path, rt_error_t *err);
/* In the container's process: a new terminal becomes its controlling tty and stdio, and the
 * master is sent over sock. */
int rt_console_setup(int sock, rt_error_t *err);

/* ---- container.c: create/start/run/exec flows. ---- */
typedef struct {
  const char *root, *id, *bundle, *pid_file, *console_socket;
  int preserve_fds;
  bool detach_wait;       /* run: wait for the process and delete */
  bool detach;            /* run --detach: create and start, then return (as runc run -d) */
  char **argv;            /* the full command line, for the sealed re-exec */
} rt_create_opts_t;
int rt_container_create(const rt_create_opts_t *o, int *exit_code, rt_error_t *err);
int rt_container_start(const char *root, const char *id, rt_error_t *err);
int rt_container_delete(const char *root, const char *id, bool force, rt_error_t *err);

typedef struct {
  const char *cwd, *user;
  const char **env; size_t nenv;
  char **args;
  bool tty;
  const char *pid_file;
  bool detach;
} rt_exec_opts_t;
int rt_container_exec(const char *root, const char *id, const rt_exec_opts_t *o, int *exit_code,
                      rt_error_t *err);

#endif

/* config.json: the OCI runtime spec subset jkrt supports, parsed with jansson. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};

int rt_cap_from_name(const char *name) {
  for (size_t i = 0; i < sizeof cap_names / sizeof *cap_names; i++)
    if (strcasecmp(cap_names[i], name) == 0 || strcasecmp(cap_names[i] + 4, name) == 0)
      return (int)i;
  return -1;
}

static const struct { const char *name; int res; } rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK}};

static const struct { const char *name; unsigned long set, clear, prop; } mount_opts[] = {
    {"ro", MS_RDONLY, 0, 0}, {"rw", 0, MS_RDONLY, 0}, {"nosuid", MS_NOSUID, 0, 0},
    {"suid", 0, MS_NOSUID, 0}, {"nodev", MS_NODEV, 0, 0}, {"dev", 0, MS_NODEV, 0},
    {"noexec", MS_NOEXEC, 0, 0}, {"exec", 0, MS_NOEXEC, 0}, {"sync", MS_SYNCHRONOUS, 0, 0},
    {"async", 0, MS_SYNCHRONOUS, 0}, {"dirsync", MS_DIRSYNC, 0, 0},
    {"remount", MS_REMOUNT, 0, 0}, {"mand", MS_MANDLOCK, 0, 0}, {"nomand", 0, MS_MANDLOCK, 0},
    {"atime", 0, MS_NOATIME, 0}, {"noatime", MS_NOATIME, 0, 0},
    {"diratime", 0, MS_NODIRATIME, 0}, {"nodiratime", MS_NODIRATIME, 0, 0},
    {"relatime", MS_RELATIME, 0, 0}, {"norelatime", 0, MS_RELATIME, 0},
    {"strictatime", MS_STRICTATIME, 0, 0}, {"nostrictatime", 0, MS_STRICTATIME, 0},
    {"private", 0, 0, MS_PRIVATE}, {"rprivate", 0, 0, MS_PRIVATE | MS_REC},
    {"shared", 0, 0, MS_SHARED}, {"rshared", 0, 0, MS_SHARED | MS_REC},
    {"slave", 0, 0, MS_SLAVE}, {"rslave", 0, 0, MS_SLAVE | MS_REC},
    {"unbindable", 0, 0, MS_UNBINDABLE}, {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC}};

int rt_parse_mount_options(json_t *opts, rt_mount_t *m, rt_error_t *err) {
  size_t i;
  json_t *o;
  char data[2048] = "";
  json_array_foreach(opts, i, o) {
    const char *s = json_string_value(o);
    if (!s) return rt_make_error(err, 0, "mount %s: options must be strings", m->dest);
    if (strcmp(s, "bind") == 0) { m->bind = true; continue; }
    if (strcmp(s, "rbind") == 0) { m->bind = m->recursive = true; continue; }
    bool known = false;
    for (size_t k = 0; k < sizeof mount_opts / sizeof *mount_opts; k++) {
      if (strcmp(s, mount_opts[k].name) != 0) continue;
      m->flags = (m->flags | mount_opts[k].set) & ~mount_opts[k].clear;
      if (mount_opts[k].prop) m->propagation = mount_opts[k].prop;
      known = true;
    }
    if (known) continue;
    if (strlen(data) + strlen(s) + 2 >= sizeof data)
      return rt_make_error(err, 0, "mount %s: options too long", m->dest);
    if (data[0]) strcat(data, ",");
    strcat(data, s);
  }
  m->data = data[0] ? strdup(data) : NULL;
  return 0;
}

/* Returns a NULL-terminated array of the strings in a JSON array. */
static const char **string_array(json_t *a, const char *what, rt_error_t *err) {
  size_t n = json_is_array(a) ? json_array_size(a) : 0, i;
  if (a && !json_is_array(a)) {
    rt_make_error(err, 0, "%s must be an array of strings", what);
    return NULL;
  }
  const char **out = calloc(n + 1, sizeof *out);
  if (!out) { rt_make_error(err, ENOMEM, "%s", what); return NULL; }
  for (i = 0; i < n; i++) {
    out[i] = json_string_value(json_array_get(a, i));
    if (!out[i]) {
      free(out);
      rt_make_error(err, 0, "%s[%zu] must be a string", what, i);
      return NULL;
    }
  }
  return out;
}

static int64_t int_or_unset(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : RT_UNSET;
}

static int parse_caps(json_t *jc, rt_process_t *p, rt_error_t *err) {
  static const char *const sets[CAP_SETS] = {"bounding", "effective", "inheritable",
                                             "permitted", "ambient"};
  for (int s = 0; s < CAP_SETS; s++) {
    json_t *a = json_object_get(jc, sets[s]), *c;
    size_t i;
    p->caps[s] = 0;
    json_array_foreach(a, i, c) {
      const char *name = json_string_value(c);
      int cap = name ? rt_cap_from_name(name) : -1;
      if (cap < 0) return rt_make_error(err, 0, "unknown capability %s", name ? name : "?");
      p->caps[s] |= 1ULL << cap;
    }
  }
  return 0;
}

int rt_spec_parse_process(json_t *jp, rt_process_t *p, rt_error_t *err) {
  if (!json_is_object(jp)) return rt_make_error(err, 0, "process is missing");
  p->args = string_array(json_object_get(jp, "args"), "process.args", err);
  if (!p->args) return -1;
  if (!p->args[0]) return rt_make_error(err, 0, "process.args must not be empty");
  p->env = string_array(json_object_get(jp, "env"), "process.env", err);
  if (!p->env) return -1;
  p->cwd = json_string_value(json_object_get(jp, "cwd"));
  if (!p->cwd) p->cwd = "/";
  if (p->cwd[0] != '/') return rt_make_error(err, 0, "process.cwd %s must be absolute", p->cwd);
  p->terminal = json_is_true(json_object_get(jp, "terminal")); /* needs --console-socket */
  json_t *user = json_object_get(jp, "user");
  p->uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
  p->gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
  json_t *ag = json_object_get(user, "additionalGids"), *g;
  size_t i;
  p->ngids = json_array_size(ag);
  p->gids = calloc(p->ngids + 1, sizeof *p->gids);
  json_array_foreach(ag, i, g) p->gids[i] = (gid_t)json_integer_value(g);
  if (parse_caps(json_object_get(jp, "capabilities"), p, err) < 0) return -1;
  p->nnp = json_is_true(json_object_get(jp, "noNewPrivileges"));
  json_t *rl = json_object_get(jp, "rlimits"), *r;
  p->nrlimits = json_array_size(rl);
  p->rlimits = calloc(p->nrlimits + 1, sizeof *p->rlimits);
  json_array_foreach(rl, i, r) {
    const char *type = json_string_value(json_object_get(r, "type"));
    int res = -1;
    for (size_t k = 0; type && k < sizeof rlimit_names / sizeof *rlimit_names; k++)
      if (strcmp(type, rlimit_names[k].name) == 0) res = rlimit_names[k].res;
    if (res < 0) return rt_make_error(err, 0, "unknown rlimit %s", type ? type : "?");
    p->rlimits[i].resource = res;
    p->rlimits[i].soft = (uint64_t)json_integer_value(json_object_get(r, "soft"));
    p->rlimits[i].hard = (uint64_t)json_integer_value(json_object_get(r, "hard"));
  }
  json_t *oom = json_object_get(jp, "oomScoreAdj");
  p->has_oom_adj = json_is_integer(oom);
  p->oom_adj = (int)json_integer_value(oom);
  return 0;
}

static int parse_mounts(json_t *jm, rt_spec_t *spec, rt_error_t *err) {
  size_t i;
  json_t *m;
  spec->nmounts = json_array_size(jm);
  spec->mounts = calloc(spec->nmounts + 1, sizeof *spec->mounts);
  json_array_foreach(jm, i, m) {
    rt_mount_t *mt = &spec->mounts[i];
    mt->dest = json_string_value(json_object_get(m, "destination"));
    if (!mt->dest || mt->dest[0] != '/')
      return rt_make_error(err, 0, "mounts[%zu].destination must be an absolute path", i);
    mt->type = json_string_value(json_object_get(m, "type"));
    mt->source = json_string_value(json_object_get(m, "source"));
    if (rt_parse_mount_options(json_object_get(m, "options"), mt, err) < 0) return -1;
    if (mt->type && strcmp(mt->type, "bind") == 0) mt->bind = true;
    if (!mt->type && !mt->bind)
      return rt_make_error(err, 0, "mounts[%zu] (%s) has neither a type nor bind", i, mt->dest);
    if (mt->bind && !mt->source)
      return rt_make_error(err, 0, "bind mount %s has no source", mt->dest);
  }
  return 0;
}

static int parse_linux(json_t *jl, rt_spec_t *spec, rt_error_t *err) {
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(jl, "namespaces"), i, n) {
    const char *type = json_string_value(json_object_get(n, "type"));
    int flag = type ? rt_ns_flag_from_name(type) : -1;
    if (flag < 0) return rt_make_error(err, 0, "unknown namespace type %s", type ? type : "?");
    if (flag == CLONE_NEWUSER)
      return rt_make_error(err, 0, "user namespaces are not supported");
    if (spec->nns >= 8) return rt_make_error(err, 0, "too many namespaces");
    spec->ns[spec->nns].flag = flag;
    spec->ns[spec->nns++].path = json_string_value(json_object_get(n, "path"));
  }
  json_t *res = json_object_get(jl, "resources");
  json_t *mem = json_object_get(res, "memory"), *cpu = json_object_get(res, "cpu");
  spec->res.mem_limit = int_or_unset(mem, "limit");
  spec->res.mem_reservation = int_or_unset(mem, "reservation");
  spec->res.mem_swap = int_or_unset(mem, "swap");
  spec->res.cpu_shares = int_or_unset(cpu, "shares");
  spec->res.cpu_quota = int_or_unset(cpu, "quota");
  spec->res.cpu_period = int_or_unset(cpu, "period");
  spec->res.cpus = json_string_value(json_object_get(cpu, "cpus"));
  spec->res.mems = json_string_value(json_object_get(cpu, "mems"));
  spec->res.pids_limit = int_or_unset(json_object_get(res, "pids"), "limit");
  spec->res.devices = json_object_get(res, "devices");
  spec->cgroups_path = json_string_value(json_object_get(jl, "cgroupsPath"));
  if (!(spec->masked = string_array(json_object_get(jl, "maskedPaths"), "maskedPaths", err)))
    return -1;
  if (!(spec->readonly = string_array(json_object_get(jl, "readonlyPaths"), "readonlyPaths", err)))
    return -1;
  json_t *sysctl = json_object_get(jl, "sysctl"), *v;
  const char *k;
  size_t ns = json_object_size(sysctl), j = 0;
  spec->sysctl_keys = calloc(ns + 1, sizeof(char *));
  spec->sysctl_vals = calloc(ns + 1, sizeof(char *));
  json_object_foreach(sysctl, k, v) {
    if (!json_is_string(v)) return rt_make_error(err, 0, "sysctl %s must be a string", k);
    if (strstr(k, "..") || strchr(k, '/')) return rt_make_error(err, 0, "bad sysctl name %s", k);
    spec->sysctl_keys[j] = k;
    spec->sysctl_vals[j++] = json_string_value(v);
  }
  spec->nsysctl = j;
  const char *prop = json_string_value(json_object_get(jl, "rootfsPropagation"));
  spec->rootfs_prop = MS_PRIVATE | MS_REC;
  if (prop) {
    rt_mount_t tmp = {.dest = "rootfsPropagation"};
    json_t *a = json_pack("[s]", prop);
    int r = rt_parse_mount_options(a, &tmp, err);
    json_decref(a);
    free(tmp.data);
    if (r < 0 || !tmp.propagation)
      return rt_make_error(err, 0, "unknown rootfsPropagation %s", prop);
    spec->rootfs_prop = tmp.propagation;
  }
  spec->seccomp = json_object_get(jl, "seccomp");
  if (json_array_size(json_object_get(jl, "uidMappings")) > 0)
    return rt_make_error(err, 0, "uidMappings are not supported");
  return 0;
}

/* The canonical path of an existing file, as realpath(3) but in three system calls whatever
 * the depth (realpath reads every component as a possible symlink). */
static int canonical_path(const char *path, char *out, size_t len) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(proc, out, len - 1);
  int e = errno;
  close(fd);
  if (n < 0 || (size_t)n >= len - 1 || out[0] != '/') {
    errno = n < 0 ? e : ENAMETOOLONG;
    return realpath(path, out) ? 0 : -1; /* /proc not mounted, or an odd answer */
  }
  out[n] = '\0';
  return 0;
}

int rt_spec_load(const char *bundle, rt_spec_t *spec, rt_error_t *err) {
  char path[4200];
  json_error_t jerr;
  memset(spec, 0, sizeof *spec);
  rt_set_stage(err, "spec");
  if (canonical_path(bundle, spec->bundle, sizeof spec->bundle) < 0) return rt_make_error(err, errno, "bundle %s", bundle);
  snprintf(path, sizeof path, "%s/config.json", spec->bundle);
  spec->json = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!spec->json)
    return rt_make_error(err, 0, "%s:%d: %s", path, jerr.line, jerr.text);
  if (!json_is_object(spec->json)) return rt_make_error(err, 0, "%s: not an object", path);
  if (rt_spec_parse_process(json_object_get(spec->json, "process"), &spec->proc, err) < 0)
    return -1;
  json_t *root = json_object_get(spec->json, "root");
  const char *rp = json_string_value(json_object_get(root, "path"));
  if (!rp) return rt_make_error(err, 0, "root.path is missing");
  char joined[8400];
  if (rp[0] == '/') snprintf(joined, sizeof joined, "%s", rp);
  else snprintf(joined, sizeof joined, "%s/%s", spec->bundle, rp);
  if (canonical_path(joined, spec->rootfs, sizeof spec->rootfs) < 0) return rt_make_error(err, errno, "root.path %s", joined);
  spec->rootfs_ro = json_is_true(json_object_get(root, "readonly"));
  spec->hostname = json_string_value(json_object_get(spec->json, "hostname"));
  if (parse_mounts(json_object_get(spec->json, "mounts"), spec, err) < 0) return -1;
  json_t *jl = json_object_get(spec->json, "linux");
  if (parse_linux(jl, spec, err) < 0) return -1;
  return 0;
}

bool rt_spec_has_ns(const rt_spec_t *spec, int flag, const char **path) {
  for (size_t i = 0; i < spec->nns; i++)
    if (spec->ns[i].flag == flag) {
      if (path) *path = spec->ns[i].path;
      return true;
    }
  return false;
}

void rt_spec_free(rt_spec_t *spec) {
  free(spec->proc.args);
  free(spec->proc.env);
  free(spec->proc.gids);
  free(spec->proc.rlimits);
  for (size_t i = 0; i < spec->nmounts; i++) free(spec->mounts[i].data);
  free(spec->mounts);
  free(spec->masked);
  free(spec->readonly);
  free(spec->sysctl_keys);
  free(spec->sysctl_vals);
  json_decref(spec->json);
}

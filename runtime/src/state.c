/* Container state: <root>/<id>/state.json plus exec.fifo while the container is created. */
#include "jkrt.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rt_state_dir(const char *root, const char *id, char *out, size_t len, rt_error_t *err) {
  if (!id || !*id || strlen(id) > 200 || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
    return rt_make_error(err, 0, "invalid container id %s", id ? id : "(none)");
  if ((size_t)snprintf(out, len, "%s/%s", root, id) >= len)
    return rt_make_error(err, ENAMETOOLONG, "state dir");
  return 0;
}

/* Field 22 (starttime) of a /proc/<pid>/stat text, and its state letter; 0 when unreadable. */
static unsigned long long stat_starttime(const char *s, char *state) {
  const char *p = s ? strrchr(s, ')') : NULL;
  if (!p || !p[1] || !p[2]) return 0;
  if (state) *state = p[2];
  /* p points at the end of field 2 */
  for (int field = 2; field < 22 && p; field++) p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

unsigned long long rt_pid_starttime(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  cleanup_free char *s = rt_read_file(path);
  return stat_starttime(s, NULL);
}

bool rt_pid_alive(pid_t pid, unsigned long long starttime) {
  if (pid <= 0) return false;
  char path[64], state = 0;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  cleanup_free char *s = rt_read_file(path);
  unsigned long long t = stat_starttime(s, &state);
  return t != 0 && t == starttime && state != 'Z'; /* a zombie has exited, not yet reaped */
}

int rt_state_save(const rt_state_t *st, rt_error_t *err) {
  char path[4200];
  json_t *o = json_pack("{s:s,s:s,s:i,s:I,s:s,s:o}", "id", st->id, "bundle", st->bundle, "pid",
                        (int)st->pid, "starttime", (json_int_t)st->starttime, "created",
                        st->created, "cgroup", rt_cgroup_to_json(&st->cg));
  cleanup_free char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!s) return rt_make_error(err, ENOMEM, "state json");
  snprintf(path, sizeof path, "%s/state.json", st->dir);
  return rt_write_file_atomic(path, s, err);
}

int rt_state_load(const char *root, const char *id, rt_state_t *st, rt_error_t *err) {
  char path[4200];
  json_error_t jerr;
  memset(st, 0, sizeof *st);
  rt_set_stage(err, "state");
  if (rt_state_dir(root, id, st->dir, sizeof st->dir, err) < 0) return -1;
  snprintf(path, sizeof path, "%s/state.json", st->dir);
  json_t *o = json_load_file(path, 0, &jerr);
  if (!o) {
    struct stat sb;
    if (stat(st->dir, &sb) < 0) return rt_make_error(err, ENOENT, "container %s does not exist", id);
    return rt_make_error(err, 0, "container %s: %s", id, jerr.text);
  }
  snprintf(st->id, sizeof st->id, "%s", id);
  snprintf(st->bundle, sizeof st->bundle, "%s", json_string_value(json_object_get(o, "bundle")) ?: "");
  snprintf(st->created, sizeof st->created, "%s", json_string_value(json_object_get(o, "created")) ?: "");
  st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
  st->starttime = (unsigned long long)json_integer_value(json_object_get(o, "starttime"));
  int rc = rt_cgroup_from_json(&st->cg, json_object_get(o, "cgroup"), err);
  json_decref(o);
  return rc;
}

const char *rt_state_status(rt_state_t *st) {
  char fifo[4200];
  if (!rt_pid_alive(st->pid, st->starttime)) return "stopped";
  snprintf(fifo, sizeof fifo, "%s/exec.fifo", st->dir);
  if (access(fifo, F_OK) == 0) return "created";
  if (st->cg.ops && st->cg.ops->frozen(&st->cg)) return "paused";
  return "running";
}

int rt_state_print(rt_state_t *st, rt_error_t *err) {
  const char *status = rt_state_status(st);
  bool stopped = !strcmp(status, "stopped");
  int oom = st->cg.ops ? st->cg.ops->oom_kills(&st->cg) : 0;
  json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:b,s:{}}", "ociVersion", "1.0.2", "id", st->id,
                        "status", status, "pid", stopped ? 0 : (int)st->pid, "bundle", st->bundle,
                        "created", st->created, "oomKilled", oom > 0, "annotations");
  cleanup_free char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
  json_decref(o);
  if (!s) return rt_make_error(err, ENOMEM, "state json");
  printf("%s\n", s);
  return 0;
}

int rt_state_remove(rt_state_t *st, rt_error_t *err) {
  static const char *const files[] = {"state.json", "state.json.tmp", "exec.fifo"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", st->dir, files[i]);
    unlink(p);
  }
  if (rmdir(st->dir) < 0 && errno != ENOENT)
    return rt_make_error(err, errno, "remove state dir %s", st->dir);
  return 0;
}

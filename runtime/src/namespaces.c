/* Namespaces: names to clone flags, joining by path, joining a running container. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct { const char *spec, *proc; int flag; } ns_table[] = {
    {"pid", "pid", CLONE_NEWPID},        {"network", "net", CLONE_NEWNET},
    {"ipc", "ipc", CLONE_NEWIPC},        {"uts", "uts", CLONE_NEWUTS},
    {"mount", "mnt", CLONE_NEWNS},       {"cgroup", "cgroup", CLONE_NEWCGROUP},
    {"user", "user", CLONE_NEWUSER},     {"time", "time", CLONE_NEWTIME}};

int rt_ns_flag_from_name(const char *name) {
  for (size_t i = 0; i < sizeof ns_table / sizeof *ns_table; i++)
    if (strcmp(ns_table[i].spec, name) == 0) return ns_table[i].flag;
  return -1;
}

const char *rt_ns_proc_name(int flag) {
  for (size_t i = 0; i < sizeof ns_table / sizeof *ns_table; i++)
    if (ns_table[i].flag == flag) return ns_table[i].proc;
  return "?";
}

int rt_ns_clone_flags(const rt_spec_t *spec) {
  int flags = 0;
  for (size_t i = 0; i < spec->nns; i++)
    if (!spec->ns[i].path) flags |= spec->ns[i].flag;
  return flags;
}

static int join_one(const char *path, int flag, rt_error_t *err) {
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rt_make_error(err, errno, "open %s namespace %s", rt_ns_proc_name(flag), path);
  if (setns(fd, flag) < 0)
    return rt_make_error(err, errno, "join %s namespace %s", rt_ns_proc_name(flag), path);
  return 0;
}

int rt_ns_join_paths(const rt_spec_t *spec, bool include_mnt, rt_error_t *err) {
  rt_set_stage(err, "namespaces");
  for (size_t i = 0; i < spec->nns; i++) {
    if (!spec->ns[i].path) continue;
    if ((spec->ns[i].flag == CLONE_NEWNS) != include_mnt) continue;
    if (join_one(spec->ns[i].path, spec->ns[i].flag, err) < 0) return -1;
  }
  return 0;
}

int rt_ns_join_pid(pid_t pid, int *cgroup_ns, rt_error_t *err) {
  /* mount last: after it, /proc paths of the host are gone */
  static const int order[] = {CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWUTS,
                              CLONE_NEWNET,    CLONE_NEWPID, CLONE_NEWNS};
  int fds[6];
  rt_set_stage(err, "namespaces");
  for (size_t i = 0; i < 6; i++) {
    char path[64], self[64];
    struct stat a, b;
    fds[i] = -1;
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(order[i]));
    snprintf(self, sizeof self, "/proc/self/ns/%s", rt_ns_proc_name(order[i]));
    if (stat(path, &a) < 0) {
      int e = errno;
      for (size_t k = 0; k < i; k++) if (fds[k] >= 0) close(fds[k]);
      return rt_make_error(err, e, "stat %s", path);
    }
    if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
  }
  int rc = 0;
  if (cgroup_ns) {
    /* left to the caller (order[0] is the cgroup namespace) */
    *cgroup_ns = fds[0];
    fds[0] = -1;
  }
  for (size_t i = 0; i < 6; i++) {
    if (fds[i] < 0) continue;
    if (rc == 0 && setns(fds[i], order[i]) < 0)
      rc = rt_make_error(err, errno, "join %s namespace of %d", rt_ns_proc_name(order[i]), (int)pid);
    close(fds[i]);
  }
  return rc;
}

int rt_ns_loopback_up(rt_error_t *err) {
  /* a new network namespace has lo down; runc brings it up too, so no CNI loopback exec is needed */
  rt_set_stage(err, "network");
  cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return rt_make_error(err, errno, "socket for lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return rt_make_error(err, errno, "get lo flags");
  if (ifr.ifr_flags & IFF_UP) return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) return rt_make_error(err, errno, "bring lo up");
  return 0;
}

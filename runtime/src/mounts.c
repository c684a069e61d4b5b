/* The container's filesystem: private propagation, the spec's mounts resolved inside
 * the rootfs (openat2 RESOLVE_IN_ROOT, so symlinks cannot lead out), default devices,
 * pivot_root with the old root detached, masked and read-only paths. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*path == '/') path++;
  if (!*path) path = ".";
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* Creates every missing component of path inside the root (the last as a file when
 * as_file) and returns an O_PATH fd on it. */
static int mkpath_in_root(int rootfd, const char *path, bool as_file, rt_error_t *err) {
  int whole = openat2_in_root(rootfd, path, O_PATH);
  if (whole >= 0 || errno != ENOENT) return whole >= 0 ? whole : rt_make_error(err, errno, "open %s in rootfs", path);
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  size_t len = strlen(buf);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    bool last = buf[i] == '\0';
    char saved = buf[i];
    buf[i] = '\0';
    int fd = openat2_in_root(rootfd, buf, O_PATH);
    if (fd < 0 && errno == ENOENT) {
      char *slash = strrchr(buf, '/');
      *slash = '\0';
      cleanup_close int parent = openat2_in_root(rootfd, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
      *slash = '/';
      if (parent < 0) return rt_make_error(err, errno, "open parent of %s", buf);
      if (last && as_file) {
        int f = openat(parent, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0) return rt_make_error(err, errno, "create %s", buf);
        close(f);
      } else if (mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST) {
        return rt_make_error(err, errno, "mkdir %s", buf);
      }
      fd = openat2_in_root(rootfd, buf, O_PATH);
    }
    if (fd < 0) return rt_make_error(err, errno, "open %s in rootfs", buf);
    if (last) return fd;
    close(fd);
    buf[i] = saved;
  }
  return rt_make_error(err, EINVAL, "bad path %s", path);
}

/* Runs mount(2) on a path inside the root, resolved afresh each time. */
static int mount_in_root(int rootfd, const char *dest, const char *src, const char *type,
                         unsigned long flags, const char *data, rt_error_t *err) {
  cleanup_close int fd = openat2_in_root(rootfd, dest, O_PATH);
  char target[64];
  if (fd < 0) return rt_make_error(err, errno, "open %s in rootfs", dest);
  snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
  if (mount(src, target, type, flags, data) < 0)
    return rt_make_error(err, errno, "mount %s on %s", type ? type : src ? src : "", dest);
  return 0;
}

static unsigned long vfs_flags(const char *path) {
  struct statvfs s;
  unsigned long f = 0;
  if (statvfs(path, &s) < 0) return 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  return f;
}

static int mount_cgroup_v1(int rootfd, const rt_mount_t *m, const rt_cgroup_t *cg,
                           rt_error_t *err) {
  if (mount_in_root(rootfd, m->dest, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "mode=755", err) < 0)
    return -1;
  for (size_t i = 0; cg && i < cg->n; i++) {
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/%s", m->dest, cg->ctrl[i]);
    int fd = mkpath_in_root(rootfd, sub, false, err);
    if (fd < 0) return -1;
    close(fd);
    if (mount_in_root(rootfd, sub, cg->path[i], NULL, MS_BIND, NULL, err) < 0) return -1;
    if (mount_in_root(rootfd, sub, NULL, NULL,
                      MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
                      err) < 0)
      return -1;
  }
  return mount_in_root(rootfd, m->dest, NULL, NULL,
                       MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", err);
}

static int do_mount(int rootfd, const rt_spec_t *spec, const rt_mount_t *m,
                    const rt_cgroup_t *cg, rt_error_t *err) {
  unsigned long flags = m->flags;
  const char *type = m->type;
  char src[8400];
  struct stat st;
  bool is_file = false;
  if (m->bind) {
    if (m->source[0] == '/') snprintf(src, sizeof src, "%s", m->source);
    else snprintf(src, sizeof src, "%s/%s", spec->bundle, m->source);
    if (stat(src, &st) < 0) return rt_make_error(err, errno, "bind source %s", src);
    is_file = !S_ISDIR(st.st_mode);
  }
  if (type && strcmp(type, "sysfs") == 0) flags |= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (strcmp(m->dest, "/sys") == 0) flags |= MS_RDONLY;
  /* the first mount goes on the fd that made the path; later changes resolve the path
   * afresh, so that they reach the new mount on top */
  cleanup_close int fd = mkpath_in_root(rootfd, m->dest, is_file, err);
  char target[64];
  if (fd < 0) return -1;
  snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
  if (type && strcmp(type, "cgroup") == 0 && cg && cg->ops == &rt_cgroup_v1_ops)
    return mount_cgroup_v1(rootfd, m, cg, err);
  if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)) {
    type = "cgroup2";
    flags |= MS_RDONLY;
  }
  if (m->bind) {
    if (mount(src, target, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0)
      return rt_make_error(err, errno, "mount %s on %s", src, m->dest);
    unsigned long extra = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                   MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
    if (extra && mount_in_root(rootfd, m->dest, NULL, NULL,
                               MS_BIND | MS_REMOUNT | extra | vfs_flags(src), NULL, err) < 0)
      return -1;
  } else if (mount(m->source ? m->source : type, target, type, flags & ~MS_REMOUNT, m->data) < 0) {
    return rt_make_error(err, errno, "mount %s on %s", type ? type : "", m->dest);
  }
  if (m->propagation &&
      mount_in_root(rootfd, m->dest, NULL, NULL, m->propagation, NULL, err) < 0)
    return -1;
  return 0;
}

/* /dev/null, zero, full, random, urandom, tty bound from the host, and the usual links.
 * Every name is one component below the /dev opened inside the root, taken with O_NOFOLLOW,
 * so nothing here can be redirected out of the rootfs. */
static int default_devices(int rootfd, rt_error_t *err) {
  static const char *const devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
  cleanup_close int dev = openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0) return 0; /* no /dev in this rootfs: nothing to populate */
  for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
    char host[64], target[64];
    struct stat st;
    snprintf(host, sizeof host, "/dev/%s", devs[i]);
    if (fstatat(dev, devs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode)) continue;
    int f = openat(dev, devs[i], O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0) return rt_make_error(err, errno, "create /dev/%s", devs[i]);
    close(f);
    cleanup_close int fd = openat(dev, devs[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return rt_make_error(err, errno, "open /dev/%s in rootfs", devs[i]);
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    if (mount(host, target, NULL, MS_BIND, NULL) < 0)
      return rt_make_error(err, errno, "mount %s on /dev/%s", host, devs[i]);
  }
  static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                         {"/proc/self/fd/0", "stdin"},
                                         {"/proc/self/fd/1", "stdout"},
                                         {"/proc/self/fd/2", "stderr"},
                                         {"/proc/kcore", "core"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
      return rt_make_error(err, errno, "symlink /dev/%s", links[i][1]);
  struct stat st;
  if (fstatat(dev, "pts/ptmx", &st, 0) == 0 && fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
      symlinkat("pts/ptmx", dev, "ptmx") < 0)
    return rt_make_error(err, errno, "symlink /dev/ptmx");
  return 0;
}

int rt_setup_rootfs(const rt_spec_t *spec, const rt_cgroup_t *cg, rt_error_t *err) {
  rt_set_stage(err, "mounts");
  /* never shared with the host's peer group: "shared" is applied after pivot_root, to a
   * fresh peer group of the container's own */
  unsigned long prop = (spec->rootfs_prop & MS_SHARED) ? (MS_PRIVATE | MS_REC) : spec->rootfs_prop;
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return rt_make_error(err, errno, "make / private");
  if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return rt_make_error(err, errno, "bind rootfs %s", spec->rootfs);
  cleanup_close int rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return rt_make_error(err, errno, "open rootfs %s", spec->rootfs);
  for (size_t i = 0; i < spec->nmounts; i++)
    if (do_mount(rootfd, spec, &spec->mounts[i], cg, err) < 0) return -1;
  return default_devices(rootfd, err);
}

int rt_apply_sysctls(const rt_spec_t *spec, rt_error_t *err) {
  rt_set_stage(err, "sysctl");
  for (size_t i = 0; i < spec->nsysctl; i++) {
    char path[512];
    snprintf(path, sizeof path, "/proc/sys/%s", spec->sysctl_keys[i]);
    for (char *p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
    if (rt_write_file(path, spec->sysctl_vals[i], err) < 0)
      return rt_make_error(err, err->errnum, "sysctl %s", spec->sysctl_keys[i]);
  }
  return 0;
}

/* Masks one path: files get the container's own /dev/null bound over them (a source outside
 * its mount tree would be refused); directories an empty read-only tmpfs. One tmpfs serves
 * every masked directory: the first is mounted, the others are bind mounts of it (a bind
 * is much cheaper than a new superblock). *empty_dir remembers the first. */
static int mask_path(const char *path, const char **empty_dir, rt_error_t *err) {
  struct stat st;
  if (lstat(path, &st) < 0) return 0; /* absent on this kernel: nothing to hide */
  if (S_ISDIR(st.st_mode)) {
    if (*empty_dir) {
      if (mount(*empty_dir, path, NULL, MS_BIND, NULL) < 0)
        return rt_make_error(err, errno, "mask %s", path);
      return 0;
    }
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=0,mode=0555") < 0)
      return rt_make_error(err, errno, "mask %s", path);
    *empty_dir = path;
    return 0;
  }
  if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
    return rt_make_error(err, errno, "mask %s", path);
  return 0;
}

static int readonly_path(const char *path, rt_error_t *err) {
  struct stat st;
  if (lstat(path, &st) < 0) return 0;
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return rt_make_error(err, errno, "bind %s read-only", path);
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | vfs_flags(path), NULL) < 0)
    return rt_make_error(err, errno, "remount %s read-only", path);
  return 0;
}

int rt_pivot_and_protect(const rt_spec_t *spec, rt_error_t *err) {
  rt_set_stage(err, "mounts");
  if (chdir(spec->rootfs) < 0) return rt_make_error(err, errno, "chdir %s", spec->rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return rt_make_error(err, errno, "pivot_root %s", spec->rootfs);
  /* the old root is stacked under the new one: detach it without touching the host */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return rt_make_error(err, errno, "make old root slave");
  if (umount2(".", MNT_DETACH) < 0) return rt_make_error(err, errno, "detach old root");
  if (chdir("/") < 0) return rt_make_error(err, errno, "chdir /");
  if ((spec->rootfs_prop & MS_SHARED) && mount(NULL, "/", NULL, spec->rootfs_prop, NULL) < 0)
    return rt_make_error(err, errno, "make / shared");
  const char *empty_dir = NULL;
  for (size_t i = 0; spec->masked[i]; i++)
    if (mask_path(spec->masked[i], &empty_dir, err) < 0) return -1;
  for (size_t i = 0; spec->readonly[i]; i++)
    if (readonly_path(spec->readonly[i], err) < 0) return -1;
  if (spec->rootfs_ro &&
      mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | vfs_flags("/"), NULL) < 0)
    return rt_make_error(err, errno, "remount / read-only");
  return 0;
}

/* Errors: built where they happen, printed only by main as one line of JSON. */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rt_make_error(rt_error_t *err, int errnum, const char *fmt, ...) {
  char buf[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  err->errnum = errnum;
  if (errnum)
    snprintf(err->msg, sizeof err->msg, "%s: %s", buf, strerror(errnum));
  else
    snprintf(err->msg, sizeof err->msg, "%s", buf);
  return -1;
}

void rt_set_stage(rt_error_t *err, const char *stage) {
  snprintf(err->stage, sizeof err->stage, "%s", stage);
}

void rt_print_error(const rt_error_t *err) {
  json_t *o = json_pack("{s:s,s:s,s:i}", "error", err->msg, "stage",
                        err->stage[0] ? err->stage : "runtime", "errno", err->errnum);
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  fprintf(stderr, "%s\n", s ? s : "{\"error\":\"out of memory\"}");
  free(s);
  json_decref(o);
}

void rt_freep(void *p) { free(*(void **)p); }

void rt_closep(int *fd) {
  if (*fd >= 0) close(*fd);
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int rt_write_file(const char *path, const char *data, rt_error_t *err) {
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);
  if (fd < 0) return rt_make_error(err, errno, "open %s", path);
  if (write_all(fd, data, strlen(data)) < 0) return rt_make_error(err, errno, "write %s", path);
  return 0;
}

int rt_write_file_atomic(const char *path, const char *data, rt_error_t *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (rt_write_file(tmp, data, err) < 0) return -1;
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return rt_make_error(err, e, "rename %s", path);
  }
  return 0;
}

char *rt_read_file(const char *path) {
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (len + 1 >= cap) {
      if (cap > (64u << 20)) break;
      char *nb = realloc(buf, cap * 2);
      if (!nb) break;
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      free(buf);
      return NULL;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return buf;
}

/* The parent usually exists: one mkdir, and a walk up only on ENOENT. */
int rt_mkdir_p(const char *path, mode_t mode) {
  if (mkdir(path, mode) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char *slash = strrchr(buf, '/');
  while (slash && slash > buf && slash[-1] == '/') slash--;
  if (!slash || slash == buf) return -1;
  *slash = '\0';
  if (rt_mkdir_p(buf, mode) < 0) return -1;
  if (mkdir(path, mode) < 0 && errno != EEXIST) return -1;
  return 0;
}

/* UTC by arithmetic (days to civil date): gmtime_r would read /etc/localtime first. */
void rt_now_rfc3339(char *buf, size_t len) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long long secs = ts.tv_sec, days = secs / 86400, rem = secs % 86400;
  if (rem < 0) { rem += 86400; days--; }
  long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  long long day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  long long year = yoe + era * 400 + (month <= 2);
  snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", year, month, day, rem / 3600,
           rem / 60 % 60, rem % 60, ts.tv_nsec);
}

/* CRI log format: "<RFC3339Nano> <stream> <F|P> <text>\n", with size-capped rotation
 * (the current file moves to <path>.1, replacing the previous one). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int shim_log_open(shim_log_t *log, const char *path, long long max, rt_error_t *err) {
  struct stat st;
  snprintf(log->path, sizeof log->path, "%s", path);
  log->max = max;
  log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log->fd < 0) return rt_make_error(err, errno, "open log %s", path);
  log->size = fstat(log->fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

static void rotate(shim_log_t *log) {
  char old[4200];
  snprintf(old, sizeof old, "%s.1", log->path);
  close(log->fd);
  rename(log->path, old);
  log->fd = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  log->size = 0;
}

static void write_line(shim_log_t *log, const char *stream, bool partial, const char *text,
                       size_t len) {
  char head[96];
  rt_now_rfc3339(head, 64);
  size_t hl = strlen(head);
  hl += (size_t)snprintf(head + hl, sizeof head - hl, " %s %c ", stream, partial ? 'P' : 'F');
  long long total = (long long)(hl + len + 1);
  if (log->max > 0 && log->size > 0 && log->size + total > log->max) rotate(log);
  if (log->fd < 0) return;
  struct iovec iov[3] = {{head, hl}, {(void *)text, len}, {"\n", 1}};
  ssize_t n = writev(log->fd, iov, 3);
  if (n > 0) log->size += n;
}

void shim_stream_feed(shim_log_t *log, shim_stream_t *s, const char *data, size_t n) {
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t)(nl - data) : n;
    if (s->len + take > sizeof s->buf) take = sizeof s->buf - s->len;
    memcpy(s->buf + s->len, data, take);
    s->len += take;
    data += take;
    n -= take;
    if (n > 0 && *data == '\n') {
      write_line(log, s->name, false, s->buf, s->len);
      s->len = 0;
      data++;
      n--;
    } else if (s->len == sizeof s->buf) {
      write_line(log, s->name, true, s->buf, s->len);
      s->len = 0;
    }
  }
}

void shim_stream_flush(shim_log_t *log, shim_stream_t *s) {
  if (s->len > 0) write_line(log, s->name, false, s->buf, s->len);
  s->len = 0;
}

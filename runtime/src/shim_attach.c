/* jkshim's attach server: a Unix socket (BUNDLE/attach.sock, 0600) through which a client (the
 * kubelet) sees the container's output live, writes its stdin and resizes its terminal.
 *
 * Every message both ways is a frame: one type byte, a 4-byte big-endian payload length, the payload.
 *   client -> shim: 'O' open (payload: one byte, SHIM_ATTACH_STDIN|STDOUT|STDERR: what it wants),
 *                   0 stdin data, 4 resize (rows, cols: two 16-bit big-endian), 0xFF close stdin
 *   shim -> client: 'A' accepted (one byte: SHIM_ATTACH_STDIN when the container has stdin,
 *                   SHIM_ATTACH_TTY when it has a terminal), 1 stdout, 2 stderr,
 *                   3 exit (payload: the exit code in decimal), then the shim closes the socket.
 * Output is never waited for: a client that falls more than SHIM_ATTACH_BACKLOG bytes behind is
 * dropped, so the container never blocks on an attacher (nor, without one, on anything). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define SHIM_ATTACH_BACKLOG (1 << 20)
#define FRAME_MAX (1 << 16)

int shim_attach_listen(shim_attach_t *a, const char *bundle, rt_error_t *err) {
  memset(a, 0, sizeof *a);
  a->listen_fd = -1;
  for (int i = 0; i < SHIM_ATTACH_CLIENTS; i++) a->c[i].fd = -1;
  snprintf(a->path, sizeof a->path, "%s/attach.sock", bundle);
  /* bound by a name relative to the bundle: its absolute path may exceed sun_path's 108 bytes */
  int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return rt_make_error(err, errno, "open bundle %s", bundle);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "attach.sock"};
  int rc = -1;
  if (fd < 0) {
    rt_make_error(err, errno, "attach socket");
  } else {
    unlinkat(dir, "attach.sock", 0);
    mode_t old = umask(0077); /* 0600 from the start: no moment where others may connect */
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fchdir(dir) == 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 8) == 0)
      rc = 0;
    else
      rt_make_error(err, errno, "listen on %s", a->path);
    if (cwd >= 0) {
      if (fchdir(cwd) < 0) {}
      close(cwd);
    }
    umask(old);
  }
  close(dir);
  if (rc < 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  a->listen_fd = fd;
  return 0;
}

static void client_close(shim_attach_t *a, shim_attach_client_t *c);

/* The container's stdin ends: a pipe is closed; a terminal gets its EOF character (the reader of a
 * canonical-mode terminal sees end of input, as with ^D typed). */
static void stdin_close(shim_attach_t *a) {
  if (a->stdin_fd < 0) return;
  if (a->tty) {
    struct termios t;
    char eof = tcgetattr(a->stdin_fd, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
    if (write(a->stdin_fd, &eof, 1) < 0) {}
    a->stdin_fd = -1; /* the master stays open for output (the caller owns it) */
  } else {
    close(a->stdin_fd);
    a->stdin_fd = -1;
  }
}

static void put_frame_head(unsigned char *h, int type, size_t len) {
  h[0] = (unsigned char)type;
  h[1] = (unsigned char)(len >> 24);
  h[2] = (unsigned char)(len >> 16);
  h[3] = (unsigned char)(len >> 8);
  h[4] = (unsigned char)len;
}

/* Queues bytes for a client, writing at once what its socket takes. */
static void client_send(shim_attach_t *a, shim_attach_client_t *c, const void *data, size_t n) {
  if (c->fd < 0 || n == 0) return;
  size_t off = 0;
  if (c->plen == 0) {
    ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EINTR) {
      client_close(a, c);
      return;
    }
    off = w > 0 ? (size_t)w : 0;
  }
  if (off == n) return;
  if (c->plen + (n - off) > SHIM_ATTACH_BACKLOG) { /* too slow a reader: drop it */
    client_close(a, c);
    return;
  }
  if (c->plen + (n - off) > c->pcap) {
    size_t cap = c->pcap ? c->pcap : 65536;
    while (cap < c->plen + (n - off)) cap *= 2;
    char *p = realloc(c->pend, cap);
    if (!p) {
      client_close(a, c);
      return;
    }
    c->pend = p;
    c->pcap = cap;
  }
  memcpy(c->pend + c->plen, (const char *)data + off, n - off);
  c->plen += n - off;
}

static void client_frame(shim_attach_t *a, shim_attach_client_t *c, int type, const void *data, size_t n) {
  unsigned char h[5];
  put_frame_head(h, type, n);
  client_send(a, c, h, sizeof h);
  client_send(a, c, data, n);
}

static void client_close(shim_attach_t *a, shim_attach_client_t *c) {
  if (c->fd < 0) return;
  close(c->fd);
  c->fd = -1;
  free(c->pend);
  c->pend = NULL;
  c->plen = c->pcap = 0;
  c->inlen = 0;
  /* stdinOnce: the first attacher's detaching ends the container's stdin */
  if (c->flags & SHIM_ATTACH_STDIN && a->stdin_once) stdin_close(a);
}

static void stdin_write(shim_attach_t *a, const char *data, size_t n) {
  while (a->stdin_fd >= 0 && n > 0) {
    ssize_t w = write(a->stdin_fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return; /* the process does not read: what it cannot take is dropped */
    if (w < 0) { /* the process closed its stdin */
      if (!a->tty) close(a->stdin_fd);
      a->stdin_fd = -1;
      return;
    }
    data += w;
    n -= (size_t)w;
  }
}

static void on_frame(shim_attach_t *a, shim_attach_client_t *c, int type, const unsigned char *p, size_t n) {
  if (type == 'O' && n >= 1 && !c->opened) {
    c->opened = true;
    c->flags = p[0] & (SHIM_ATTACH_STDIN | SHIM_ATTACH_STDOUT | SHIM_ATTACH_STDERR);
    if (a->stdin_fd < 0) c->flags &= ~SHIM_ATTACH_STDIN;
    unsigned char ok = (unsigned char)((a->stdin_fd >= 0 ? SHIM_ATTACH_STDIN : 0) | (a->tty ? SHIM_ATTACH_TTY : 0));
    client_frame(a, c, 'A', &ok, 1);
  } else if (type == 0 && c->flags & SHIM_ATTACH_STDIN) {
    stdin_write(a, (const char *)p, n);
  } else if (type == 0xFF && c->flags & SHIM_ATTACH_STDIN) {
    c->flags &= ~SHIM_ATTACH_STDIN;
    if (a->stdin_once) stdin_close(a);
  } else if (type == 4 && n >= 4 && a->pty >= 0) {
    struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]), .ws_col = (unsigned short)(p[2] << 8 | p[3])};
    if (ioctl(a->pty, TIOCSWINSZ, &ws) < 0) {} /* the kernel sends SIGWINCH to the foreground group */
  }
}

static void client_read(shim_attach_t *a, shim_attach_client_t *c) {
  ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    client_close(a, c);
    return;
  }
  c->inlen += (size_t)n;
  size_t off = 0;
  while (c->fd >= 0 && c->inlen - off >= 5) {
    const unsigned char *h = c->in + off;
    size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    if (len > FRAME_MAX) { /* not our protocol */
      client_close(a, c);
      return;
    }
    if (c->inlen - off < 5 + len) break;
    on_frame(a, c, h[0], h + 5, len);
    off += 5 + len;
  }
  if (c->fd < 0) return;
  memmove(c->in, c->in + off, c->inlen - off);
  c->inlen -= off;
}

int shim_attach_pollfds(shim_attach_t *a, struct pollfd *p) {
  int n = 0;
  p[n++] = (struct pollfd){a->listen_fd, POLLIN, 0};
  for (int i = 0; i < SHIM_ATTACH_CLIENTS; i++)
    p[n++] = (struct pollfd){a->c[i].fd, (short)(POLLIN | (a->c[i].plen ? POLLOUT : 0)), 0};
  return n;
}

void shim_attach_handle(shim_attach_t *a, const struct pollfd *p) {
  for (int i = 0; i < SHIM_ATTACH_CLIENTS; i++) {
    shim_attach_client_t *c = &a->c[i];
    short re = p[1 + i].revents;
    if (c->fd < 0 || c->fd != p[1 + i].fd || !re) continue;
    if (re & POLLOUT && c->plen) {
      ssize_t w = send(c->fd, c->pend, c->plen, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        client_close(a, c);
        continue;
      }
      if (w > 0) {
        memmove(c->pend, c->pend + w, c->plen - (size_t)w);
        c->plen -= (size_t)w;
      }
    }
    if (re & (POLLIN | POLLHUP | POLLERR)) client_read(a, c);
  }
  if (a->listen_fd >= 0 && p[0].revents & POLLIN) {
    int fd;
    while ((fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
      int i = 0;
      while (i < SHIM_ATTACH_CLIENTS && a->c[i].fd >= 0) i++;
      if (i == SHIM_ATTACH_CLIENTS) { /* full: refused */
        close(fd);
        continue;
      }
      memset(&a->c[i], 0, sizeof a->c[i]);
      a->c[i].fd = fd;
    }
  }
}

void shim_attach_output(shim_attach_t *a, int stream, const char *data, size_t n) {
  int want = stream == 2 ? SHIM_ATTACH_STDERR : SHIM_ATTACH_STDOUT;
  for (int i = 0; i < SHIM_ATTACH_CLIENTS; i++)
    if (a->c[i].fd >= 0 && a->c[i].flags & want) client_frame(a, &a->c[i], stream, data, n);
}

void shim_attach_finish(shim_attach_t *a, int exit_code) {
  if (a->listen_fd < 0) return;
  close(a->listen_fd);
  a->listen_fd = -1;
  unlink(a->path);
  char code[16];
  int len = snprintf(code, sizeof code, "%d", exit_code);
  for (int i = 0; i < SHIM_ATTACH_CLIENTS; i++) {
    shim_attach_client_t *c = &a->c[i];
    if (c->fd < 0) continue;
    client_frame(a, c, 3, code, (size_t)len);
    /* what is still queued gets a moment (1 s at most) to go out */
    for (int tries = 0; c->fd >= 0 && c->plen > 0 && tries < 10; tries++) {
      struct pollfd p = {c->fd, POLLOUT, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t w = send(c->fd, c->pend, c->plen, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w <= 0) break;
      memmove(c->pend, c->pend + w, c->plen - (size_t)w);
      c->plen -= (size_t)w;
    }
    client_close(a, c);
  }
  if (a->stdin_fd >= 0 && !a->tty) close(a->stdin_fd);
  a->stdin_fd = -1;
}

/* process.terminal: the runtime connects to BUNDLE/console.sock (given to it as a name relative to the
 * bundle, its working directory) and sends the terminal's master over it. */
int shim_console_listen(const char *bundle, rt_error_t *err) {
  int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return rt_make_error(err, errno, "open bundle %s", bundle);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "console.sock"};
  int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  mode_t old = umask(0077);
  unlinkat(dir, "console.sock", 0);
  int rc = fd >= 0 && fchdir(dir) == 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 1) == 0 ? 0 : -1;
  if (rc < 0) rt_make_error(err, errno, "listen on %s/console.sock", bundle);
  umask(old);
  if (cwd >= 0) {
    if (fchdir(cwd) < 0) {}
    close(cwd);
  }
  close(dir);
  if (rc < 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

int shim_console_receive(int listen_fd, const char *bundle, rt_error_t *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/console.sock", bundle);
  unlink(path);
  /* the runtime has returned: its connection and message wait in the backlog */
  fcntl(listen_fd, F_SETFL, O_NONBLOCK);
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  close(listen_fd);
  if (conn < 0) return rt_make_error(err, errno, "the runtime sent no terminal");
  char name[128], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(conn);
  struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return rt_make_error(err, n < 0 ? e : EPROTO, "the runtime sent no terminal");
  int ptm;
  memcpy(&ptm, CMSG_DATA(c), sizeof ptm);
  return ptm;
}

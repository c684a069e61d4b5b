/* Pseudo-terminals: the pair exec --tty copies to and from, and process.terminal with runc's
 * --console-socket: the container's process gets a terminal of its own devpts as its controlling
 * tty and stdio, and the master goes to whoever listens on the socket (SCM_RIGHTS, with the
 * terminal's name as the message, as runc sends it). */
#include "jkrt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rt_pty_open(int *ptm, int *pts, char *name, size_t namelen, rt_error_t *err) {
  *ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*ptm < 0) return rt_make_error(err, errno, "open pty");
  if (grantpt(*ptm) < 0 || unlockpt(*ptm) < 0 || ptsname_r(*ptm, name, namelen) != 0)
    return rt_make_error(err, errno, "unlock pty");
  *pts = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*pts < 0) return rt_make_error(err, errno, "open %s", name);
  return 0;
}

void rt_pty_copy(int ptm) {
  struct pollfd p[2] = {{0, POLLIN, 0}, {ptm, POLLIN, 0}};
  char buf[8192];
  for (;;) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) p[0].fd = -1; /* stdin closed: keep showing output */
      else if (write(ptm, buf, (size_t)n) < 0) return;
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(ptm, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(1, buf + off, (size_t)(n - off));
        if (w <= 0) return;
        off += w;
      }
    }
  }
}

int rt_console_connect(const char *path, rt_error_t *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  rt_set_stage(err, "console");
  if (strlen(path) >= sizeof sa.sun_path)
    return rt_make_error(err, ENAMETOOLONG, "console socket %s", path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return rt_make_error(err, errno, "console socket");
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return rt_make_error(err, e, "connect console socket %s", path);
  }
  return fd;
}

int rt_console_setup(int sock, rt_error_t *err) {
  int ptm, pts;
  char name[64];
  rt_set_stage(err, "console");
  if (rt_pty_open(&ptm, &pts, name, sizeof name, err) < 0) return -1;
  /* a session of its own, with this terminal as its controlling tty and stdio */
  if (setsid() < 0 || ioctl(pts, TIOCSCTTY, 0) < 0 || dup2(pts, 0) < 0 || dup2(pts, 1) < 0 ||
      dup2(pts, 2) < 0) {
    rt_make_error(err, errno, "make %s the controlling terminal", name);
    close(ptm);
    close(pts);
    return -1;
  }
  if (pts > 2) close(pts);
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {.iov_base = name, .iov_len = strlen(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &ptm, sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(ptm);
  if (n < 0) return rt_make_error(err, e, "send the terminal over the console socket");
  return 0;
}

/* Test helper for --console-socket: listens on SOCKET, receives one terminal master (SCM_RIGHTS,
 * the terminal's name as the message), prints "tty NAME" on a line, writes INPUT to the terminal
 * and copies what the terminal shows to stdout until its process side closes.
 *
 *   recvtty SOCKET INPUT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: recvtty SOCKET INPUT\n");
    return 2;
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0) {
    perror("listen");
    return 1;
  }
  int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) {
    perror("accept");
    return 1;
  }
  char name[256] = "", cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!cm || cm->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "no terminal received\n");
    return 1;
  }
  int ptm;
  memcpy(&ptm, CMSG_DATA(cm), sizeof ptm);
  name[n] = '\0';
  printf("tty %s\n", name);
  fflush(stdout);
  if (write(ptm, argv[2], strlen(argv[2])) < 0) perror("write terminal");
  char buf[4096];
  while ((n = read(ptm, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && write(1, buf, (size_t)n) < 0) break;
  return 0;
}

/* jkportfwd NETNS PORT: one forwarded connection of `kubectl port-forward`.
 *
 * Enters the network namespace NETNS (e.g. /proc/<sandbox pid>/ns/net: a pod's loopback is
 * its own), connects to localhost:PORT there (127.0.0.1, then ::1) and relays stdin to the
 * socket and the socket to stdout. EOF on stdin half-closes the socket (shutdown SHUT_WR) and
 * the relay goes on reading; EOF from the socket ends it. Java cannot setns one thread, hence
 * this process per connection.
 *
 * Exit codes: 0 when the connection ended, 1 on bad usage or a failed setns, 2 when the connect
 * failed (the message on stderr reads like Kubernetes': "... connect: connection refused"),
 * 3 when the connection broke. Messages are one line of plain text on stderr: the kubelet
 * passes them to the client's error stream as they are. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { EXIT_DONE = 0, EXIT_USAGE = 1, EXIT_CONNECT = 2, EXIT_BROKEN = 3 };

static int parse_port(const char *s) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > 65535) return -1;
  return (int)v;
}

static int enter_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "open network namespace %s: %s\n", path, strerror(errno));
    return -1;
  }
  int rc = setns(fd, CLONE_NEWNET);
  int saved = errno;
  close(fd);
  if (rc < 0) {
    fprintf(stderr, "enter network namespace %s: %s\n", path, strerror(saved));
    return -1;
  }
  return 0;
}

/* Connects to one loopback address; returns the socket or -1 with errno set. */
static int dial(int family, int port) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc;
  if (family == AF_INET) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  } else {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    a.sin6_addr = in6addr_loopback;
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  }
  if (rc < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Copies until the socket ends; returns an exit code. */
static int relay(int sock) {
  char buf[32 * 1024];
  int stdin_open = 1;
  for (;;) {
    struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "poll: %s\n", strerror(errno));
      return EXIT_BROKEN;
    }
    if (fds[0].revents) {
      ssize_t n = read(sock, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        fprintf(stderr, "read from the pod: %s\n", strerror(errno));
        return EXIT_BROKEN;
      }
      if (n == 0) return EXIT_DONE;
      if (write_all(1, buf, (size_t)n) < 0) return EXIT_DONE; /* the client went away */
    }
    if (stdin_open && fds[1].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stdin_open = 0;
        shutdown(sock, SHUT_WR); /* the client sends no more: tell the pod, keep reading */
        continue;
      }
      if (write_all(sock, buf, (size_t)n) < 0) {
        fprintf(stderr, "write to the pod: %s\n", strerror(errno));
        return EXIT_BROKEN;
      }
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: jkportfwd NETNS-PATH PORT\n");
    return EXIT_USAGE;
  }
  int port = parse_port(argv[2]);
  if (port < 0) {
    fprintf(stderr, "invalid port %s: want 1-65535\n", argv[2]);
    return EXIT_USAGE;
  }
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE, handled above */
  if (enter_netns(argv[1]) < 0) return EXIT_USAGE;
  int sock = dial(AF_INET, port);
  if (sock < 0) {
    int v4 = errno;
    sock = dial(AF_INET6, port);
    if (sock < 0) {
      char why[128];
      snprintf(why, sizeof why, "%s", strerror(v4));
      why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]); /* as Go words it */
      fprintf(stderr, "failed to connect to localhost:%d inside the pod's network namespace: "
              "dial tcp4 127.0.0.1:%d: connect: %s\n", port, port, why);
      return EXIT_CONNECT;
    }
  }
  int rc = relay(sock);
  close(sock);
  return rc;
}

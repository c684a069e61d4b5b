/* jkshim: the per-container monitor. Log writer in the CRI format. */
#ifndef JKSHIM_H
#define JKSHIM_H

#include "jkrt.h"

#include <poll.h>

typedef struct {
  char path[4096];
  int fd;
  long long size, max;  /* bytes written to the current file; rotate past max */
} shim_log_t;

/* One stream (stdout or stderr) with its pending partial line. */
typedef struct {
  const char *name;
  char buf[16384];
  size_t len;
} shim_stream_t;

int shim_log_open(shim_log_t *log, const char *path, long long max, rt_error_t *err);
/* Splits data into lines; a line longer than the buffer is written as P chunks. */
void shim_stream_feed(shim_log_t *log, shim_stream_t *s, const char *data, size_t n);
/* At end of stream: the rest (without newline) as a full line. */
void shim_stream_flush(shim_log_t *log, shim_stream_t *s);

/* The attach server (shim_attach.c): live output, stdin and terminal size over BUNDLE/attach.sock. */
#define SHIM_ATTACH_STDIN 1
#define SHIM_ATTACH_STDOUT 2
#define SHIM_ATTACH_STDERR 4
#define SHIM_ATTACH_TTY 8
#define SHIM_ATTACH_CLIENTS 8

typedef struct {
  int fd;                 /* -1: free slot */
  bool opened;
  int flags;              /* SHIM_ATTACH_STDIN|STDOUT|STDERR the client asked for (and got) */
  char *pend;             /* output its socket has not taken yet */
  size_t plen, pcap;
  unsigned char in[65536 + 5]; /* a partial incoming frame */
  size_t inlen;
} shim_attach_client_t;

typedef struct {
  char path[4200];
  int listen_fd;
  int stdin_fd;           /* the container's stdin: a pipe's write end or the terminal's master; -1: none */
  int pty;                /* the terminal's master (resize), -1 without one */
  bool tty, stdin_once;
  shim_attach_client_t c[SHIM_ATTACH_CLIENTS];
} shim_attach_t;

/* Listens on BUNDLE/attach.sock (0600); the caller sets stdin_fd, pty, tty, stdin_once afterwards. */
int shim_attach_listen(shim_attach_t *a, const char *bundle, rt_error_t *err);
/* Fills 1 + SHIM_ATTACH_CLIENTS poll entries (the listener, then each client slot). */
int shim_attach_pollfds(shim_attach_t *a, struct pollfd *p);
/* Accepts, reads and writes as those entries' revents say. */
void shim_attach_handle(shim_attach_t *a, const struct pollfd *p);
/* Sends container output (stream 1 stdout, 2 stderr) to every attacher that wants it; never blocks. */
void shim_attach_output(shim_attach_t *a, int stream, const char *data, size_t n);
/* The container ended: tells every attacher its exit code, closes them and removes the socket. */
void shim_attach_finish(shim_attach_t *a, int exit_code);
/* process.terminal: listens on BUNDLE/console.sock for the runtime's --console-socket. */
int shim_console_listen(const char *bundle, rt_error_t *err);
/* After the runtime's create: the terminal's master it sent (closes listen_fd, removes the socket). */
int shim_console_receive(int listen_fd, const char *bundle, rt_error_t *err);

#endif

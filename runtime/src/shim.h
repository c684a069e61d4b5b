/* jkshim: the per-container monitor. Log writer in the CRI format. */
#ifndef JKSHIM_H
#define JKSHIM_H

#include "jkrt.h"

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

#endif

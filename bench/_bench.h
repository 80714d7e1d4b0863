/* What the bench's C programs (native.c, peers.c) share. */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

/* The monotonic clock, in microseconds. */
static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Ends the program with libzmq's reason when a call failed. */
static void check(int rc, const char *what) {
  if (rc == -1) {
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
  }
}

#endif

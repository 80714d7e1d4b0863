/*
 * What the machine allows, for the floor case of the bench (the driver is
 * _floor.ts): a round trip of 18 bytes (a 16 B ZMTP frame) over a bare
 * tcp connection on loopback, TCP_NODELAY, blocking reads and writes, no
 * ZeroMQ. The same as bench/_floor_side.ts does in Deno.
 *
 *     floor server          prints {"port":N}, echoes one connection
 *     floor client PORT N   prints {"rtt":µs} over N round trips
 */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME 18

static void check(int ok, const char *what) {
  if (!ok) {
    perror(what);
    exit(1);
  }
}

static int tcp_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket");
  return fd;
}

static void no_delay(int fd) {
  int one = 1;
  check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "nodelay");
}

/* Reads exactly `size` bytes; 0 at the end of the stream. */
static int read_all(int fd, char *buffer, int size) {
  for (int got = 0; got < size;) {
    ssize_t n = read(fd, buffer + got, size - got);
    if (n <= 0) return 0;
    got += (int)n;
  }
  return 1;
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  char buffer[FRAME];
  memset(buffer, 'r', sizeof buffer);
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (argc == 2 && strcmp(argv[1], "server") == 0) {
    int listener = tcp_socket();
    check(bind(listener, (struct sockaddr *)&address, sizeof address) == 0, "bind");
    check(listen(listener, 1) == 0, "listen");
    socklen_t length = sizeof address;
    check(getsockname(listener, (struct sockaddr *)&address, &length) == 0, "getsockname");
    printf("{\"port\":%d}\n", ntohs(address.sin_port));
    fflush(stdout);
    int fd = accept(listener, NULL, NULL);
    check(fd >= 0, "accept");
    no_delay(fd);
    while (read_all(fd, buffer, FRAME)) check(write(fd, buffer, FRAME) == FRAME, "write");
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "client") == 0) {
    long count = atol(argv[3]);
    int fd = tcp_socket();
    address.sin_port = htons((unsigned short)atoi(argv[2]));
    check(connect(fd, (struct sockaddr *)&address, sizeof address) == 0, "connect");
    no_delay(fd);
    double started = 0;
    /* A tenth of the count warms up first, as the Deno side does. */
    for (long i = -count / 10; i < count; i++) {
      if (i == 0) started = now_us();
      check(write(fd, buffer, FRAME) == FRAME, "write");
      check(read_all(fd, buffer, FRAME), "read");
    }
    printf("{\"rtt\":%f}\n", (now_us() - started) / count);
    return 0;
  }
  fprintf(stderr, "usage: floor server | floor client PORT COUNT\n");
  return 2;
}

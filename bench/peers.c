/*
 * The native side of the many-peers bench (the driver is _peers.ts):
 *
 *     peers limit                          print RLIMIT_NOFILE (soft, raised to hard)
 *     peers router <endpoint> [backlog]    ROUTER bound, echoing every message
 *     peers dealers <endpoint> <n>         n DEALERs in one process (the clients)
 *     peers pub <endpoint>                 PUB bound, sending 16 B messages
 *     peers subs <endpoint> <n> <ms>       n SUBs counting deliveries for <ms>
 *     peers requesters <endpoint> <n> <ms> n DEALERs asking a REP service in
 *                                          turn for <ms> (the workers bench)
 *
 * Results go to stdout as JSON lines; the driver's commands ("go", "done")
 * come on stdin. High-water marks stay at libzmq's defaults (1000): the
 * issue measures what a new user gets.
 *
 * Built by _peers.ts with: gcc -O2 peers.c -lzmq
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

#include "_bench.h"

#define MESSAGE_SIZE 16
/* DEALERs connecting at once, per process (the driver runs two at most). */
#define CONNECT_BATCH 200

/* The monotonic clock, in milliseconds. */
static double now_ms(void) { return now_us() / 1e3; }

static void wait_line(const char *expected) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, expected, strlen(expected)) == 0) return;
  }
  exit(0); /* The driver went away. */
}

/* Whether stdin has a line ready, without blocking longer than timeout. */
static int stdin_ready(int timeout_ms) {
  struct pollfd item = {0, POLLIN, 0};
  return poll(&item, 1, timeout_ms) > 0;
}

static long raise_fd_limit(void) {
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return (long)limit.rlim_cur;
}

static void print_endpoint(void *socket) {
  char bound[256];
  size_t size = sizeof bound;
  check(zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, bound, &size), "endpoint");
  printf("{\"endpoint\":\"%s\"}\n", bound);
}

static void router(void *context, const char *endpoint, int backlog) {
  void *socket = zmq_socket(context, ZMQ_ROUTER);
  if (backlog > 0) check(zmq_setsockopt(socket, ZMQ_BACKLOG, &backlog, sizeof backlog), "backlog");
  check(zmq_bind(socket, endpoint), "bind");
  print_endpoint(socket);
  zmq_msg_t frame;
  zmq_msg_init(&frame);
  for (;;) {
    /* Every frame goes back as it came: routing id first. */
    check(zmq_msg_recv(&frame, socket, 0), "recv");
    int more = zmq_msg_more(&frame);
    check(zmq_msg_send(&frame, socket, more ? ZMQ_SNDMORE : 0), "send");
  }
}

static void round_trip(void **sockets, long n, const char *message) {
  /* All requests leave before any reply is awaited, so waiting on the
     sockets in order costs no more than waiting for the slowest. */
  char reply[MESSAGE_SIZE];
  for (long i = 0; i < n; i++) check(zmq_send(sockets[i], message, MESSAGE_SIZE, 0), "send");
  for (long i = 0; i < n; i++) check(zmq_recv(sockets[i], reply, sizeof reply, 0), "recv");
}

static void dealers(void *context, const char *endpoint, long n) {
  long limit = raise_fd_limit();
  /* Each libzmq socket holds an eventfd besides its tcp connection. */
  if (2 * n + 64 > limit) {
    fprintf(stderr, "%ld DEALERs need %ld descriptors; the limit is %ld\n", n, 2 * n + 64, limit);
    exit(1);
  }
  check(zmq_ctx_set(context, ZMQ_MAX_SOCKETS, (int)n + 16), "max sockets");
  void **sockets = calloc(n, sizeof *sockets);
  int zero = 0;
  for (long i = 0; i < n; i++) {
    sockets[i] = zmq_socket(context, ZMQ_DEALER);
    if (!sockets[i]) check(-1, "socket");
    check(zmq_setsockopt(sockets[i], ZMQ_LINGER, &zero, sizeof zero), "linger");
  }
  printf("{\"created\":%ld}\n", n);
  wait_line("go");
  char message[MESSAGE_SIZE];
  memset(message, 'r', sizeof message);
  double started = now_ms();
  /* Connected a batch at a time: thousands of SYNs at once overflow any
     listen queue (Deno's is 511), and the kernel's 1 s and 3 s SYN retries
     would then be most of what is timed, for either server. */
  for (long i = 0; i < n; i += CONNECT_BATCH) {
    long batch = n - i < CONNECT_BATCH ? n - i : CONNECT_BATCH;
    for (long j = i; j < i + batch; j++) check(zmq_connect(sockets[j], endpoint), "connect");
    round_trip(sockets + i, batch, message);
  }
  printf("{\"first\":%f}\n", now_ms() - started);
  /* Every client process starts the second round together: the server
     meets all n requests at once, whenever each process ended its first. */
  wait_line("again");
  started = now_ms();
  round_trip(sockets, n, message);
  printf("{\"second\":%f}\n", now_ms() - started);
  wait_line("done");
  for (long i = 0; i < n; i++) zmq_close(sockets[i]);
  free(sockets);
}

static void pub(void *context, const char *endpoint) {
  void *socket = zmq_socket(context, ZMQ_PUB);
  check(zmq_bind(socket, endpoint), "bind");
  print_endpoint(socket);
  /* Warm-up messages (1 byte) until "go": the subscribers wait for one on
     every SUB, so each subscription has arrived before timing starts. */
  while (!stdin_ready(10)) zmq_send(socket, "w", 1, 0);
  wait_line("go");
  char message[MESSAGE_SIZE];
  memset(message, 'm', sizeof message);
  long sent = 0;
  double started = now_ms();
  for (;;) {
    for (int i = 0; i < 1000; i++) zmq_send(socket, message, sizeof message, 0);
    sent += 1000;
    if (stdin_ready(0)) break;
  }
  printf("{\"sent\":%f}\n", sent / ((now_ms() - started) / 1e3));
  wait_line("done");
}

static void subs(void *context, const char *endpoint, long n, long window_ms) {
  raise_fd_limit();
  check(zmq_ctx_set(context, ZMQ_MAX_SOCKETS, (int)n + 16), "max sockets");
  zmq_pollitem_t *items = calloc(n, sizeof *items);
  char buffer[MESSAGE_SIZE];
  for (long i = 0; i < n; i++) {
    items[i].socket = zmq_socket(context, ZMQ_SUB);
    items[i].events = ZMQ_POLLIN;
    check(zmq_setsockopt(items[i].socket, ZMQ_SUBSCRIBE, "", 0), "subscribe");
    check(zmq_connect(items[i].socket, endpoint), "connect");
  }
  for (long i = 0; i < n; i++) check(zmq_recv(items[i].socket, buffer, sizeof buffer, 0), "recv");
  printf("{\"ready\":%ld}\n", n);
  /* Counted: 16-byte messages received by any SUB between 500 ms after
     the first one and window_ms later. */
  double counting_from = 0, counting_until = 0;
  long counted = 0;
  for (;;) {
    double now = now_ms();
    if (counting_until && now >= counting_until) break;
    check(zmq_poll(items, (int)n, 100), "poll");
    for (long i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      int size;
      while ((size = zmq_recv(items[i].socket, buffer, sizeof buffer, ZMQ_DONTWAIT)) >= 0) {
        if (size != MESSAGE_SIZE) continue;
        if (!counting_from) {
          counting_from = now_ms() + 500;
          counting_until = counting_from + window_ms;
        } else if (now >= counting_from) {
          counted++;
        }
      }
    }
  }
  printf("{\"rate\":%f}\n", counted / (window_ms / 1e3));
  wait_line("done");
  int zero = 0;
  for (long i = 0; i < n; i++) {
    zmq_setsockopt(items[i].socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(items[i].socket);
  }
  free(items);
}

/* n DEALERs, each with one request out at a time (REQ's envelope: an empty
   delimiter, then the body), answered requests counted for ms. */
static void requesters(void *context, const char *endpoint, long n, long ms) {
  void **sockets = calloc(n, sizeof *sockets);
  zmq_pollitem_t *items = calloc(n, sizeof *items);
  int zero = 0;
  for (long i = 0; i < n; i++) {
    sockets[i] = zmq_socket(context, ZMQ_DEALER);
    check(zmq_setsockopt(sockets[i], ZMQ_LINGER, &zero, sizeof zero), "linger");
    check(zmq_connect(sockets[i], endpoint), "connect");
    items[i].socket = sockets[i];
    items[i].events = ZMQ_POLLIN;
  }
  for (long i = 0; i < n; i++) {
    check(zmq_send(sockets[i], "", 0, ZMQ_SNDMORE), "send");
    check(zmq_send(sockets[i], "request", 7, 0), "send");
  }
  long answered = 0;
  double started = now_ms();
  while (now_ms() - started < ms) {
    if (zmq_poll(items, (int)n, 100) < 0) continue;
    for (long i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      char body[64];
      int more = 1;
      while (more) {
        check(zmq_recv(sockets[i], body, sizeof body, 0), "recv");
        size_t size = sizeof more;
        zmq_getsockopt(sockets[i], ZMQ_RCVMORE, &more, &size);
      }
      answered++;
      check(zmq_send(sockets[i], "", 0, ZMQ_SNDMORE), "send");
      check(zmq_send(sockets[i], "request", 7, 0), "send");
    }
  }
  printf("{\"rate\":%f}\n", answered / ((now_ms() - started) / 1e3));
  for (long i = 0; i < n; i++) zmq_close(sockets[i]);
  free(items);
  free(sockets);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *role = argc > 1 ? argv[1] : "";
  if (strcmp(role, "limit") == 0) {
    printf("{\"limit\":%ld}\n", raise_fd_limit());
    return 0;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: peers limit | router <endpoint> [backlog] | pub <endpoint> | dealers <endpoint> <n> | subs <endpoint> <n> <ms> | requesters <endpoint> <n> <ms>\n");
    return 2;
  }
  void *context = zmq_ctx_new();
  if (strcmp(role, "router") == 0) router(context, argv[2], argc > 3 ? atoi(argv[3]) : 0);
  else if (strcmp(role, "pub") == 0) pub(context, argv[2]);
  else if (strcmp(role, "dealers") == 0 && argc == 4) dealers(context, argv[2], atol(argv[3]));
  else if (strcmp(role, "subs") == 0 && argc == 5) subs(context, argv[2], atol(argv[3]), atol(argv[4]));
  else if (strcmp(role, "requesters") == 0 && argc == 5) requesters(context, argv[2], atol(argv[3]), atol(argv[4]));
  else {
    fprintf(stderr, "unknown role %s\n", role);
    return 2;
  }
  zmq_ctx_term(context);
  return 0;
}

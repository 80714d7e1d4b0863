/*
 * One side of a benchmark run with native libzmq (the driver is bench.ts),
 * speaking the same protocol as _ours.ts and _zeromqjs.cjs:
 *
 *     native <pattern> <side> <endpoint> <count> <size>
 *
 * pattern: push | curve | pub | dealer | reqrep. Side "a" binds, prints
 * {"endpoint": ...}, and receives, timing first -> last message (or echoes,
 * for reqrep); side "b" connects and sends once "go" arrives on stdin, then
 * waits for "done". Results go to stdout as JSON lines.
 *
 * Built by bench.ts with: gcc -O2 native.c -lzmq
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "_bench.h"

/* libzmq's zmq_curve(7) test keys, as in _ours.ts and _zeromqjs.cjs. */
static const char *SERVER_PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
static const char *SERVER_SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

static void wait_line(const char *expected) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, expected, strlen(expected)) == 0) return;
  }
}

static long peak_rss(void) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long kib = 0;
  while (status && fgets(line, sizeof line, status)) {
    if (sscanf(line, "VmHWM: %ld", &kib) == 1) break;
  }
  if (status) fclose(status);
  return kib * 1024;
}

static int receive_one(void *socket, zmq_msg_t *msg) {
  /* The whole message: every frame. */
  int more = 1, frames = 0;
  while (more) {
    check(zmq_msg_recv(msg, socket, 0), "recv");
    frames++;
    more = zmq_msg_more(msg);
  }
  return frames;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: native <pattern> <side> <endpoint> <count> <size>\n");
    return 2;
  }
  const char *pattern = argv[1], *side = argv[2], *endpoint = argv[3];
  long count = atol(argv[4]);
  size_t size = (size_t)atol(argv[5]);
  int curve = strcmp(pattern, "curve") == 0;
  int is_push = curve || strcmp(pattern, "push") == 0;
  int is_pub = strcmp(pattern, "pub") == 0;
  int is_dealer = strcmp(pattern, "dealer") == 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  void *context = zmq_ctx_new();
  char *message = malloc(size ? size : 1);
  memset(message, 1, size);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  int zero = 0, one = 1;

  if (strcmp(side, "a") == 0) {
    int type = is_push ? ZMQ_PULL : is_pub ? ZMQ_SUB : is_dealer ? ZMQ_ROUTER : ZMQ_REP;
    void *socket = zmq_socket(context, type);
    if (curve) {
      check(zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one), "curve");
      check(zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, SERVER_SECRET, 40), "key");
    }
    if (is_pub) {
      check(zmq_setsockopt(socket, ZMQ_RCVHWM, &zero, sizeof zero), "hwm");
      check(zmq_setsockopt(socket, ZMQ_SUBSCRIBE, "", 0), "subscribe");
    }
    check(zmq_bind(socket, endpoint), "bind");
    char bound[256];
    size_t bound_size = sizeof bound;
    check(zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, bound, &bound_size), "endpoint");
    printf("{\"endpoint\":\"%s\"}\n", bound);
    if (type == ZMQ_REP) {
      for (long i = 0; i < count + 100; i++) {
        receive_one(socket, &msg);
        check(zmq_send(socket, message, size, 0), "send");
      }
    } else {
      /* A ROUTER's messages carry the routing id: one frame more. */
      int frames = receive_one(socket, &msg);
      if (is_pub) {
        printf("{\"ready\":true}\n");
        while (frames == 1 && zmq_msg_size(&msg) == 1) frames = receive_one(socket, &msg);
      }
      double started = now_us();
      for (long i = 1; i < count; i++) receive_one(socket, &msg);
      printf("{\"rate\":%f}\n", (count - 1) / ((now_us() - started) / 1e6));
    }
    zmq_close(socket);
  } else {
    int type = is_push ? ZMQ_PUSH : is_pub ? ZMQ_PUB : is_dealer ? ZMQ_DEALER : ZMQ_REQ;
    void *socket = zmq_socket(context, type);
    int linger = -1;
    check(zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger), "linger");
    if (curve) {
      char public_key[41], secret_key[41];
      check(zmq_curve_keypair(public_key, secret_key), "keypair");
      check(zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, SERVER_PUBLIC, 40), "server key");
      check(zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, public_key, 40), "public");
      check(zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, secret_key, 40), "secret");
    }
    if (is_pub) check(zmq_setsockopt(socket, ZMQ_SNDHWM, &zero, sizeof zero), "hwm");
    check(zmq_connect(socket, endpoint), "connect");
    if (is_pub) {
      /* Warm-up messages until the driver says go: the subscription has
         then reached us. stdin is polled so the loop notices "go". */
      zmq_pollitem_t items[] = {{NULL, 0, ZMQ_POLLIN, 0}};
      for (;;) {
        zmq_send(socket, "w", 1, 0);
        if (zmq_poll(items, 1, 1) > 0) break;
      }
    }
    wait_line("go");
    if (type == ZMQ_REQ) {
      for (int i = 0; i < 100; i++) {
        check(zmq_send(socket, message, size, 0), "send");
        receive_one(socket, &msg);
      }
      double started = now_us();
      for (long i = 0; i < count; i++) {
        check(zmq_send(socket, message, size, 0), "send");
        receive_one(socket, &msg);
      }
      printf("{\"latency\":%f}\n", (now_us() - started) / count);
    } else {
      for (long i = 0; i < count; i++) check(zmq_send(socket, message, size, 0), "send");
    }
    wait_line("done");
    zmq_close(socket);
  }
  zmq_msg_close(&msg);
  zmq_ctx_term(context);
  free(message);
  printf("{\"peakRss\":%ld}\n", peak_rss());
  return 0;
}

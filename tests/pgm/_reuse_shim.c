/*
 * Lets OpenPGM's sockets share a port with Deno's on one host. OpenPGM sets
 * SO_REUSEPORT only; Deno (on Linux) SO_REUSEADDR only; Linux shares a UDP
 * port only between sockets that both set the same one. Preloaded into the
 * libzmq peer of the tests, this sets SO_REUSEADDR wherever SO_REUSEPORT is
 * set. Nothing of the protocol changes. Across hosts, as multicast is
 * meant, there is nothing to share and nothing to preload.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void *value,
               socklen_t length) {
  static int (*real)(int, int, int, const void *, socklen_t);
  if (!real) real = dlsym(RTLD_NEXT, "setsockopt");
  if (level == SOL_SOCKET && name == SO_REUSEPORT) {
    real(fd, SOL_SOCKET, SO_REUSEADDR, value, length);
  }
  return real(fd, level, name, value, length);
}

"""The libzmq peer of the epgm tests: Debian's pyzmq (libzmq 4.3.4 with
OpenPGM). Driven by tests/pgm/_peer.ts over stdin/stdout, one JSON line
each way.

  pub ENDPOINT RATE   prints {"ready"}, then per line read
                      {"send": [[frame hex...], ...], "pace": seconds}
                      sends each message; prints {"sent": n}
  sub ENDPOINT RATE   prints {"ready"}, then each message as
                      {"message": [frame hex...]}; ends when stdin closes
"""
import json
import os
import select
import sys
import time

import zmq

# Our lines go out on a descriptor of their own, and stdout to /dev/null:
# OpenPGM prints its warnings on stdout from libzmq's I/O thread, and a
# line of ours that landed inside one of them was lost (a test then waited
# for "ready" until it was killed, another missed messages).
_lines = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def say(value):
    _lines.write(json.dumps(value) + "\n")
    _lines.flush()


def main():
    role, endpoint, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = zmq.Context()
    socket = context.socket(zmq.PUB if role == "pub" else zmq.SUB)
    socket.setsockopt(zmq.RATE, rate)
    socket.setsockopt(zmq.SNDHWM, 0)
    socket.setsockopt(zmq.LINGER, 2000)
    if role == "sub":
        socket.setsockopt(zmq.SUBSCRIBE, b"")
    socket.connect(endpoint)
    say({"ready": True})
    if role == "pub":
        for line in sys.stdin:
            order = json.loads(line)
            for frames in order["send"]:
                socket.send_multipart([bytes.fromhex(f) for f in frames])
                time.sleep(order.get("pace", 0))
            say({"sent": len(order["send"])})
    else:
        poller = zmq.Poller()
        poller.register(socket, zmq.POLLIN)
        while True:
            if select.select([sys.stdin], [], [], 0)[0] and not sys.stdin.readline():
                break
            if poller.poll(20):
                frames = socket.recv_multipart()
                say({"message": [f.hex() for f in frames]})
    socket.close()
    context.term()


main()

"""libzmq's side of `deno task bench --only pgm`: a pyzmq (Debian's libzmq
4.3.4 with OpenPGM) PUB or SUB on an epgm endpoint, as bench/_pgm_side.ts
is ours. Prints one JSON line when ready, one with the result.

  pub ENDPOINT RATE SIZE COUNT   sends COUNT messages of SIZE bytes
  sub ENDPOINT RATE COUNT        receives until COUNT, or 2 s of silence
"""
import json
import os
import sys
import time

import zmq

# Our lines on a descriptor of their own, stdout to /dev/null: OpenPGM
# prints its warnings on stdout from libzmq's I/O thread, and a line of ours
# inside one of them would be lost (see tests/pgm/_pyzmq_peer.py).
_lines = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def say(value):
    _lines.write(json.dumps(value) + "\n")
    _lines.flush()


role, endpoint, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
context = zmq.Context()
socket = context.socket(zmq.PUB if role == "pub" else zmq.SUB)
socket.setsockopt(zmq.RATE, rate)
socket.setsockopt(zmq.SNDHWM, 0)
socket.setsockopt(zmq.RCVHWM, 0)
socket.setsockopt(zmq.LINGER, -1)
if role == "sub":
    socket.setsockopt(zmq.SUBSCRIBE, b"")
socket.connect(endpoint)
time.sleep(0.3)
say({"ready": True})
if role == "pub":
    size, count = int(sys.argv[4]), int(sys.argv[5])
    message = b"x" * size
    for _ in range(count):
        socket.send(message)
    say({"sent": count})
else:
    count = int(sys.argv[4])
    # Timed from the fifth of the way: the steady rate, past a first burst.
    start = count // 5
    received, first, last = 0, 0.0, 0.0
    # The first message within 10 s of the PUB's start, else none comes:
    # OpenPGM's receiver can stall on loopback, and a run must still end.
    socket.setsockopt(zmq.RCVTIMEO, 10000)
    try:
        while received < count:
            socket.recv()
            last = time.monotonic()
            if received == 0:
                socket.setsockopt(zmq.RCVTIMEO, 2000)
            if received == start:
                first = last
            received += 1
    except zmq.Again:
        pass
    say({"received": received, "timed": received - start, "seconds": last - first})
socket.close()
context.term()

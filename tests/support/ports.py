"""A free loopback port for a server a test or benchmark starts.

The port comes from below the kernel's ephemeral range, not from bind(port 0). ctest runs
tests side by side (-j), and some of them open thousands of client connections, each
taking an ephemeral port: a port that bind(0) found free could be taken by one of those
connections before the server binds it, and the server would fail to start. Client
connections never take a port below the range, and two tests picking the same one of
~12,000 in the moment between choosing and binding is negligible."""

import random
import socket


def _ephemeral_low(default=32768):
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def free_port(host="127.0.0.1"):
    low = _ephemeral_low()
    candidates = range(max(1024, low - 12000), low)
    for _ in range(100):
        port = random.choice(candidates) if len(candidates) else 0
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    with socket.socket() as s:  # the range below is full: take what the kernel gives
        s.bind((host, 0))
        return s.getsockname()[1]

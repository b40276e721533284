#!/usr/bin/env python3
"""Fan-out and publish throughput with Redis in the path (--redis), on loopback.

Same run, same machine, each case started fresh:
  one     one proof, no Redis: every subscriber on it (the baseline)
  redis1  one proof with --redis: every subscriber on it
  redis2  two proofs with --redis: subscribers spread over both, publishes alternating
For each: delivery (every subscriber got every event), latency from acceptance (the
event's ts) to arrival, and publish throughput (POST /signup from N threads, 202s per
second). Only the Python standard library; redis-server from Debian. See bench/README.md.

  bench/redis.py --proof build/proof --subscribers 200 --events 50 --seconds 5

With --command-rate: Redis commands per second (INFO commandstats) with --channels channels
open on each of --instances instances, nothing published (the presence exchange's cost).

  bench/redis.py --proof build/proof --command-rate --channels 1000 --instances 3 --seconds 10
"""

import argparse
import http.client
import json
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# The tests' port chooser: below the ephemeral range, so a bench run beside other tests
# (the CI smoke runs in ctest -j) cannot lose its port to their client connections.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
from ports import free_port  # noqa: E402

API_KEY = "bench-key-0123456789"


def wait_http(port, path="/healthz", timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"127.0.0.1:{port}{path} not healthy after {timeout} s")


class Processes:
    def __init__(self):
        self.procs = []
        self.dir = tempfile.TemporaryDirectory(prefix="proof-bench-redis-")

    def redis(self):
        port = free_port()
        self.procs.append(subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
             "--bind", "127.0.0.1", "--dir", self.dir.name, "--save", "", "--appendonly", "yes"],
            stdout=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"redis://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def proof(self, binary, redis_url=None):
        port = free_port()
        cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--api-key", API_KEY,
               "--max-publish-rate", "0", "--max-subscribers", "20000",
               "--max-subscribers-per-ip", "0", "--log-level", "warn"]
        if redis_url:
            cmd += ["--redis", redis_url]
        self.procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(port)
        return port

    def close(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.dir.cleanup()


def open_streams(ports, count):
    """`count` raw SSE connections spread round-robin over `ports`."""
    socks = []
    for i in range(count):
        port = ports[i % len(ports)]
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        s.setblocking(False)
        socks.append(s)
    return socks


def receive(socks, events, timeout, out):
    """Counts `"user_name":"bench` events per socket and records arrival minus the event's ts."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    got = {s: 0 for s in socks}
    latencies = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(n < events for n in got.values()):
        for key, _ in sel.select(0.1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                continue
            bufs[s] += data
            now_ms = time.time() * 1000
            *lines, bufs[s] = bufs[s].split(b"\n")
            for line in lines:
                if line.startswith(b"data: {"):
                    body = json.loads(line[6:])
                    if body.get("user_name", "").startswith("bench"):
                        got[s] += 1
                        latencies.append(now_ms - body["ts"])
    out["complete"] = sum(1 for n in got.values() if n == events)
    out["latencies"] = latencies


def post(port, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/signup", json.dumps({"user_name": "bench", "offer_name": "Plan"}),
                 {"Content-Type": "application/json", "Authorization": "Bearer " + API_KEY})
    res = conn.getresponse()
    res.read()
    return conn, res.status


def fan_out(ports, subscribers, events, rate):
    socks = open_streams(ports, subscribers)
    time.sleep(1.0)  # every stream registered
    out = {}
    reader = threading.Thread(target=receive, args=(socks, events, 30 + events / rate, out))
    reader.start()
    conns = {}
    for i in range(events):
        port = ports[i % len(ports)]
        conns[port], status = post(port, conns.get(port))
        assert status == 202, status
        time.sleep(1 / rate)
    reader.join()
    for s in socks:
        s.close()
    lat = sorted(out["latencies"])
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    return {"complete": f"{out['complete']}/{subscribers}", "p50_ms": round(pct(0.5), 1),
            "p99_ms": round(pct(0.99), 1), "max_ms": round(lat[-1], 1) if lat else None}


def throughput(ports, threads, seconds):
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def run(n):
        conn = None
        port = ports[n % len(ports)]
        while time.monotonic() < stop:
            conn, status = post(port, conn)
            if status == 202:
                counts[n] += 1

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return round(sum(counts) / seconds)


def redis_command(url, *args):
    """One command to the bench's Redis, in RESP; the reply's text (bulk or status)."""
    host, port = url.removeprefix("redis://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"".join([b"*%d\r\n" % len(args)] +
                           [b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args]))
        data = b""
        while b"\r\n" not in data:
            data += s.recv(65536)
        head, data = data.split(b"\r\n", 1)
        if not head.startswith(b"$"):
            return head.decode()
        size = int(head[1:])
        while len(data) < size:
            data += s.recv(65536)
        return data[:size].decode()


def command_rate(binary, instances, channels, seconds):
    """Redis commands per second with `channels` channels open on each of `instances`
    instances and nothing published: what the presence exchange and the readers cost.
    INFO commandstats counts the commands a Lua script runs, each on its own."""
    procs = Processes()
    socks = []
    try:
        url = procs.redis()
        ports = [procs.proof(binary, url) for _ in range(instances)]
        for port in ports:
            for c in range(channels):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(f"GET /events?channel=c{c} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                socks.append(s)
        time.sleep(3)  # every stream counted, a few exchanges made
        redis_command(url, "CONFIG", "RESETSTAT")
        time.sleep(seconds)
        calls = {}
        for line in redis_command(url, "INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_"):
                name, _, fields = line[len("cmdstat_"):].partition(":")
                calls[name] = int(fields.split(",")[0].split("=")[1])
        calls.pop("config|resetstat", None)
        rates = {name: round(n / seconds, 1) for name, n in sorted(calls.items())}
        return {"instances": instances, "channels": channels,
                "commands_per_s": round(sum(calls.values()) / seconds, 1), "by_command": rates}
    finally:
        for s in socks:
            s.close()
        procs.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proof", default=os.path.join(os.path.dirname(__file__), "..", "build", "proof"))
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--events", type=int, default=50)
    ap.add_argument("--rate", type=float, default=20, help="events per second in the fan-out")
    ap.add_argument("--threads", type=int, default=8, help="publishing threads")
    ap.add_argument("--seconds", type=float, default=5, help="length of the throughput run")
    ap.add_argument("--command-rate", action="store_true",
                    help="instead: Redis commands per second with --channels open on each of "
                         "--instances instances (INFO commandstats over --seconds)")
    ap.add_argument("--channels", type=int, default=1000)
    ap.add_argument("--instances", type=int, default=3)
    args = ap.parse_args()
    if args.command_rate:
        print(json.dumps(command_rate(args.proof, args.instances, args.channels, args.seconds),
                         indent=2))
        return
    results = {}
    for case in ("one", "redis1", "redis2"):
        procs = Processes()
        try:
            url = procs.redis() if case != "one" else None
            ports = [procs.proof(args.proof, url) for _ in range(2 if case == "redis2" else 1)]
            if url:
                time.sleep(0.5)  # the readers connect
            r = fan_out(ports, args.subscribers, args.events, args.rate)
            r["publish_per_s"] = throughput(ports, args.threads, args.seconds)
            results[case] = r
            print(f"{case:7} {json.dumps(r)}", file=sys.stderr, flush=True)
        finally:
            procs.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

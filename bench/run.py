#!/usr/bin/env python3
"""Benchmarks proof against nginx + nchan on loopback, or (--smoke) checks that both
deliver every event to every subscriber.

Each round starts each server fresh, alternating which goes first, and drives it with
proof-loadgen (latency, delivery, memory) and wrk (publish throughput). Only the Python
standard library is used. See bench/README.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
API_KEY = "bench-key-0123456789"
NOFILE = 20000
# Streams come from 64 loopback addresses, as pages come from many: from one, every
# connect() searches one crowded ephemeral port range, and past ~16,000 streams the
# generator fell seconds behind sending its requests (servers then closed them as silent).
SOURCES = 64


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def wait_for_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def listening_inode(port):
    """The inode of the socket listening on 127.0.0.1:port, from /proc/net/tcp."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                return inode
    return None


def holds_socket(pid, inode):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]"
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def check_owner(port, pids):
    """Fails unless one of our processes holds the listening socket: on a shared machine
    another program can take a port between our probe for a free one and our bind."""
    inode = listening_inode(port)
    if inode is None or not any(holds_socket(pid, inode) for pid in pids):
        raise RuntimeError(f"127.0.0.1:{port} is held by another program; run again")


def children(pid):
    """Processes whose parent is pid (for nginx's worker)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def loadavg():
    """The 1-minute load average: other work on the machine skews every figure."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def busy_cpu_seconds():
    """CPU time all processors have spent busy since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU time of one process so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server):
    """User + system CPU time of every process of a server so far: proof is one process
    (its threads are counted in it); nginx is a master and its workers, which do the work.
    Reading the first worker alone undercounted nchan with worker_processes auto by half."""
    pids = dict.fromkeys([server.proc.pid, *server.pids])
    return sum(process_cpu_seconds(pid) for pid in pids)


def children_cpu_seconds():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def raise_nofile():
    import resource
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def stop_process(proc, timeout=10.0):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def launch(server, cmd):
    """Starts a one-process server on server.port, waits until it listens and checks that
    the listening socket is its own; sets server.proc, .pid and .pids."""
    # The same as `ulimit -n 20000` in the shell that starts it.
    server.proc = subprocess.Popen(cmd, preexec_fn=raise_nofile)
    wait_for_port(server.port, server.proc)
    server.pid = server.proc.pid
    server.pids = [server.pid]
    check_owner(server.port, [server.pid])


class Proof:
    name = "proof"

    def __init__(self, binary, threads=None, extra=(), port=None):
        """`threads`: --threads N (None: proof's default, one loop per core)."""
        self.binary = binary
        self.threads = threads
        self.fixed_port = port
        self.proc = None
        # All the generator's streams and POSTs come from one address: lift the per-address
        # stream cap and the publish rate limit where this build has them (0: no limit).
        usage = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, text=True).stdout
        self.extra = []
        for flag in ("--max-subscribers-per-ip", "--max-publish-rate"):
            if flag in usage:
                self.extra += [flag, "0"]
        if threads is not None:
            self.extra += ["--threads", str(threads)]
        self.extra += list(extra)
        self.label = "proof" if threads is None else f"proof --threads {threads}"

    def start(self):
        self.port = self.fixed_port or free_port()
        cmd = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--api-key", API_KEY,
               "--max-subscribers", "19400", "--history", "100", "--log-level", "warn"]
        cmd += self.extra
        launch(self, cmd)

    def stop(self):
        stop_process(self.proc)

    def loadgen_args(self):
        return ["--subscribe-path", "/events", "--publish-path", "/signup",
                "--publish-body-template", "user_name={stamp}&offer_name=Newsletter",
                "--content-type", "application/x-www-form-urlencoded",
                "--header", f"Authorization: Bearer {API_KEY}"]

    def wrk_target(self):
        return os.path.join(HERE, "wrk-proof.lua"), f"http://127.0.0.1:{self.port}/signup"


class Nchan:
    name = "nchan"

    def __init__(self, nginx, workers="1"):
        """`workers`: nginx's worker_processes, "1" or "auto" (one per core)."""
        self.nginx = nginx
        self.workers = workers
        self.proc = None
        self.label = f"nchan, {workers} worker" + ("" if workers == "1" else "s")

    def start(self):
        self.port = free_port()
        self.prefix = tempfile.mkdtemp(prefix="proof-bench-nchan-")
        with open(os.path.join(HERE, "nchan.conf")) as f:
            conf = f.read().replace("@PORT@", str(self.port)).replace("@WORKERS@", self.workers)
        conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        cmd = [self.nginx, "-c", conf_path, "-p", self.prefix + "/", "-e", "stderr",
               "-g", "daemon off;"]
        self.proc = subprocess.Popen(cmd, preexec_fn=raise_nofile)
        wait_for_port(self.port, self.proc)
        expected = 1 if self.workers == "1" else len(os.sched_getaffinity(0))
        deadline = time.monotonic() + 5
        workers = []
        while len(workers) < expected and time.monotonic() < deadline:
            workers = children(self.proc.pid)
            time.sleep(0.05)
        if len(workers) != expected:
            raise RuntimeError(f"expected {expected} nginx workers, found {workers}")
        # The workers hold the connections and the memory: their figures are added up.
        self.pids = workers
        self.pid = workers[0]
        check_owner(self.port, [self.proc.pid] + self.pids)

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.prefix, ignore_errors=True)

    def loadgen_args(self):
        # nchan delivers the raw POST body as the event's data.
        return ["--subscribe-path", "/sub", "--publish-path", "/pub",
                "--publish-body-template", "user_name={stamp}&offer_name=Newsletter",
                "--content-type", "text/plain"]

    def wrk_target(self):
        return os.path.join(HERE, "wrk-nchan.lua"), f"http://127.0.0.1:{self.port}/pub"


class Floor:
    """bench/floor: one epoll loop that writes each POST's body, framed as proof frames a
    card, to every stream with one send() each and does nothing else: the floor under any
    server's fan-out on this machine (what remains is the kernel's loopback TCP)."""
    name = "floor"

    def __init__(self, binary, frame_bytes):
        self.binary = binary
        self.frame_bytes = frame_bytes
        self.proc = None
        self.label = "the bare loop (bench/floor)"

    def start(self):
        self.port = free_port()
        cmd = [self.binary, "--port", str(self.port), "--frame-bytes", str(self.frame_bytes)]
        launch(self, cmd)

    def stop(self):
        stop_process(self.proc)

    def loadgen_args(self):
        return ["--subscribe-path", "/events", "--publish-path", "/signup",
                "--publish-body-template", "user_name={stamp}&offer_name=Newsletter",
                "--content-type", "text/plain"]

    def wrk_target(self):
        return None


def start_fresh(server, attempts=3):
    """Starts the server on a free port, trying another port if one was taken under us."""
    for attempt in range(attempts):
        try:
            server.start()
            return
        except RuntimeError as e:
            if server.proc:
                server.stop()
            if attempt == attempts - 1:
                raise
            log(f"bench: {server.name} did not start ({e}); trying another port")


def run_loadgen(args, server, extra):
    cmd = [args.loadgen, "--host", "127.0.0.1", "--port", str(server.port), "--json"]
    for pid in server.pids:
        cmd += ["--server-pid", str(pid)]
    cmd += server.loadgen_args() + extra
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=600)
    if out.returncode not in (0, 3):
        raise RuntimeError(f"proof-loadgen failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def latency_round(args, server, subscribers):
    start_fresh(server)
    try:
        extra = ["--subscribers", str(subscribers), "--sources", str(SOURCES), "--events", str(args.events),
                 "--interval-ms", str(args.interval_ms), "--connect-rate", str(args.connect_rate),
                 "--settle-ms", "1000", "--drain-ms", "15000", "--connect-timeout-ms", "15000"]
        before, busy, t0 = loadavg(), busy_cpu_seconds(), time.monotonic()
        result = run_loadgen(args, server, extra)
        result["round_seconds"] = time.monotonic() - t0
        result["loadavg"] = [before, loadavg()]
        # What the rest of the machine took meanwhile: busy time not spent by the server or
        # the generator (a little of it is this script). The load average alone cannot tell,
        # since proof's woken stream threads count in it too.
        own = (result["server"]["end"] or {}).get("cpu_s", 0) + result["loadgen_cpu_s"]
        result["other_cpu_s"] = max(0.0, busy_cpu_seconds() - busy - own)
        return result
    finally:
        server.stop()


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)s")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def throughput_round(args, server):
    """wrk against the publish endpoint while 10 streams stay open."""
    start_fresh(server)
    holder = None
    try:
        cmd = [args.loadgen, "--host", "127.0.0.1", "--port", str(server.port), "--json",
               "--subscribers", "10", "--events", "0",
               "--settle-ms", "0", "--hold-seconds", "-1", "--drain-ms", "0"]
        for pid in server.pids:
            cmd += ["--server-pid", str(pid)]
        cmd += server.loadgen_args()
        holder = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = holder.stderr.readline()
        if "10 streams open" not in line:
            raise RuntimeError(f"streams for the wrk run did not open: {line.strip()}")
        script, url = server.wrk_target()
        env = dict(os.environ, PROOF_BENCH_KEY=API_KEY)
        before, busy = loadavg(), busy_cpu_seconds()
        server_cpu, wrk_cpu = server_cpu_seconds(server), children_cpu_seconds()
        holder_cpu = process_cpu_seconds(holder.pid)
        wrk = subprocess.run(["wrk", "-t2", "-c16", f"-d{args.wrk_seconds}s", "-s", script, url],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                             timeout=args.wrk_seconds + 60)
        text = wrk.stdout
        machine_busy = busy_cpu_seconds() - busy
        server_cpu = server_cpu_seconds(server) - server_cpu
        wrk_cpu = children_cpu_seconds() - wrk_cpu  # wrk is the only child reaped meanwhile
        holder_cpu = process_cpu_seconds(holder.pid) - holder_cpu
        time.sleep(0.5)  # let the last events reach the streams
        holder.send_signal(signal.SIGTERM)
        held = json.loads(holder.communicate(timeout=30)[0])
        total = WRK_TOTAL.search(text)
        errors = WRK_ERRORS.search(text)
        non2xx = WRK_NON2XX.search(text)
        result = {
            "requests_per_s": float(WRK_RPS.search(text).group(1)),
            "requests": int(total.group(1)) if total else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": [int(x) for x in errors.groups()] if errors else [0, 0, 0, 0],
            "events_received_per_stream": held["deliveries"]["unmarked_events"] / 10,
            "streams_open": held["subscribers"]["connected"],
            "streams_closed_early": held["subscribers"]["closed_early"],
            "server_end": held["server"]["end"],
            "wrk_output": text,
            "loadavg": [before, loadavg()],
            "machine_busy_cpu_s": machine_busy,
            "server_cpu_s": server_cpu,
            # The figure to compare: what one accepted POST cost the server, whatever the
            # request rate each reached.
            "server_cpu_us_per_request": (server_cpu * 1e6 / (int(total.group(1)) - (int(non2xx.group(1)) if non2xx else 0))
                                          if total and int(total.group(1)) else None),
            "wrk_cpu_s": wrk_cpu,
            "other_cpu_s": max(0.0, machine_busy - server_cpu - wrk_cpu - holder_cpu),
        }
        return result
    finally:
        if holder and holder.poll() is None:
            holder.kill()
            holder.wait()
        server.stop()


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(x, digits=1):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def summarise_latency(runs):
    """The median of each figure over the rounds (one round: its figures)."""
    def med(path):
        values = []
        for r in runs:
            v = r
            for key in path:
                v = v.get(key) if isinstance(v, dict) else None
            if v is not None:
                values.append(v)
        return statistics.median(values) if values else None

    return {
        "rounds": len(runs),
        "connected": med(["subscribers", "connected"]),
        "failed": max(r["subscribers"]["failed"] for r in runs),
        "failed_by_reason": [r["subscribers"]["failed_by_reason"] for r in runs],
        "connect_seconds": med(["subscribers", "connect_seconds"]),
        "received": min(r["deliveries"]["received"] for r in runs),
        "expected": max(r["deliveries"]["expected"] for r in runs),
        "all_delivered": all(r["complete"] for r in runs),
        "p50": med(["latency_ms", "p50"]),
        "p99": med(["latency_ms", "p99"]),
        "max": med(["latency_ms", "max"]),
        "rss_idle_kb": med(["server", "idle", "rss_kb"]),
        "rss_open_kb": med(["server", "open", "rss_kb"]),
        "rss_end_kb": med(["server", "end", "rss_kb"]),
        "threads_open": med(["server", "open", "threads"]),
        "rss_per_sub_kb": med(["server", "rss_per_subscriber_kb"]),
        "server_cpu_s": med(["server", "end", "cpu_s"]),
        "loadgen_cpu_s": med(["loadgen_cpu_s"]),
        "loadavg": max(max(r["loadavg"]) for r in runs),
        "other_cpu_s": med(["other_cpu_s"]),
        "round_seconds": med(["round_seconds"]),
    }


def print_latency_table(n, s, labels):
    p, q = s["proof"], s["nchan"]
    rows = [
        ("subscribers connected / failed", f"{fmt(p['connected'])} / {p['failed']}",
         f"{fmt(q['connected'])} / {q['failed']}", None),
        ("time to connect all (s)", fmt(p["connect_seconds"], 2), fmt(q["connect_seconds"], 2),
         ratio(p["connect_seconds"], q["connect_seconds"])),
        ("deliveries received / expected", f"{p['received']} / {p['expected']}",
         f"{q['received']} / {q['expected']}", None),
        ("every event reached every subscriber", "yes" if p["all_delivered"] else "NO",
         "yes" if q["all_delivered"] else "NO", None),
        ("latency p50 (ms)", fmt(p["p50"], 2), fmt(q["p50"], 2), ratio(p["p50"], q["p50"])),
        ("latency p99 (ms)", fmt(p["p99"], 2), fmt(q["p99"], 2), ratio(p["p99"], q["p99"])),
        ("latency max (ms)", fmt(p["max"], 2), fmt(q["max"], 2), ratio(p["max"], q["max"])),
        ("RSS idle (kB)", fmt(p["rss_idle_kb"]), fmt(q["rss_idle_kb"]),
         ratio(p["rss_idle_kb"], q["rss_idle_kb"])),
        ("RSS with streams open (kB)", fmt(p["rss_open_kb"]), fmt(q["rss_open_kb"]),
         ratio(p["rss_open_kb"], q["rss_open_kb"])),
        ("RSS at the end (kB)", fmt(p["rss_end_kb"]), fmt(q["rss_end_kb"]),
         ratio(p["rss_end_kb"], q["rss_end_kb"])),
        ("RSS per subscriber (kB)", fmt(p["rss_per_sub_kb"], 2), fmt(q["rss_per_sub_kb"], 2),
         ratio(p["rss_per_sub_kb"], q["rss_per_sub_kb"])),
        ("server threads with streams open", fmt(p["threads_open"]), fmt(q["threads_open"]), None),
        ("server CPU for the whole run (s)", fmt(p["server_cpu_s"], 2), fmt(q["server_cpu_s"], 2),
         ratio(p["server_cpu_s"], q["server_cpu_s"])),
        ("load generator CPU (s)", fmt(p["loadgen_cpu_s"], 2), fmt(q["loadgen_cpu_s"], 2), None),
        ("other processes' CPU during the round (s)", fmt(p["other_cpu_s"], 1),
         fmt(q["other_cpu_s"], 1), None),
        ("round duration (s)", fmt(p["round_seconds"], 1), fmt(q["round_seconds"], 1), None),
        ("machine load average, highest seen", fmt(p["loadavg"], 1), fmt(q["loadavg"], 1), None),
    ]
    other = labels.get("other", "nchan")
    print(f"\n### {n:,} subscribers: {labels['proof']} against {labels['nchan']}\n")
    print(f"| figure | proof | {other} | proof / {other} |")
    print("|---|---:|---:|---:|")
    for label, a, b, r in rows:
        print(f"| {label} | {a} | {b} | {fmt(r, 2) if r is not None else ''} |")


def print_throughput_table(p, q):
    print("\n### Publish throughput (wrk -t2 -c16, 10 streams open)\n")
    print("| figure | proof | nchan | proof / nchan |")
    print("|---|---:|---:|---:|")
    print(f"| requests/s | {p['requests_per_s']:.0f} | {q['requests_per_s']:.0f} | "
          f"{ratio(p['requests_per_s'], q['requests_per_s']):.2f} |")
    print(f"| non-2xx responses | {p['non_2xx']} | {q['non_2xx']} | |")
    print(f"| socket errors (connect/read/write/timeout) | "
          f"{'/'.join(map(str, p['socket_errors']))} | "
          f"{'/'.join(map(str, q['socket_errors']))} | |")
    print(f"| events received per open stream | {p['events_received_per_stream']:.0f} | "
          f"{q['events_received_per_stream']:.0f} | |")
    print(f"| requests sent by wrk | {p['requests']} | {q['requests']} | |")
    print(f"| server CPU during the wrk run, every process (s) | {p['server_cpu_s']:.1f} | "
          f"{q['server_cpu_s']:.1f} | {ratio(p['server_cpu_s'], q['server_cpu_s']):.2f} |")
    print(f"| server CPU per accepted POST (µs) | {fmt(p['server_cpu_us_per_request'], 1)} | "
          f"{fmt(q['server_cpu_us_per_request'], 1)} | "
          f"{fmt(ratio(p['server_cpu_us_per_request'], q['server_cpu_us_per_request']), 2)} |")
    print(f"| wrk CPU (s) | {p['wrk_cpu_s']:.1f} | {q['wrk_cpu_s']:.1f} | |")
    print(f"| other processes' CPU during the wrk run (s) | {p['other_cpu_s']:.1f} | "
          f"{q['other_cpu_s']:.1f} | |")
    print(f"| machine load average, start / end | {'/'.join(map(str, p['loadavg']))} | "
          f"{'/'.join(map(str, q['loadavg']))} | |")


# The pairs compared, as issue 21 asks: one loop against one nginx worker (the cost per
# delivery with one core writing), and each as users run it (proof's default of one loop
# per core against worker_processes auto).
SETUPS = {
    "one-loop": lambda a: {"proof": Proof(a.proof, threads=1), "nchan": Nchan(a.nginx, "1")},
    "defaults": lambda a: {"proof": Proof(a.proof), "nchan": Nchan(a.nginx, "auto")},
    # proof's one loop against the floor: what proof costs above a loop that only writes.
    # 177 bytes: the event proof writes for the load generator's card (id, event, data),
    # chunked as proof chunks it.
    "floor": lambda a: {"proof": Proof(a.proof, threads=1), "nchan": Floor(a.floor, 177)},
}


def latency_mode(args, raw, out):
    """Alternating rounds per setup and size; returns False if a round lost anything."""
    ok = True
    names = [args.only] if args.only else ["proof", "nchan"]
    sizes = [int(x) for x in args.sizes.split(",") if x]
    for setup in [x for x in args.setups.split(",") if x]:
        servers = SETUPS[setup](args)
        labels = {name: servers[name].label for name in servers}
        labels["other"] = servers["nchan"].name
        raw["latency"][setup] = {}
        summaries = {}
        for n in sizes:
            runs = {name: [] for name in names}
            for rnd in range(args.rounds):
                order = names if rnd % 2 == 0 else list(reversed(names))
                for name in order:
                    log(f"bench: {setup}: {n} subscribers, round {rnd + 1}/{args.rounds}: "
                        f"{labels[name]}")
                    result = latency_round(args, servers[name], n)
                    runs[name].append(result)
                    ok = ok and result["complete"]
                    log(f"  connected {result['subscribers']['connected']}, failed "
                        f"{result['subscribers']['failed']}, deliveries "
                        f"{result['deliveries']['received']}/{result['deliveries']['expected']}, "
                        f"p50 {result['latency_ms']['p50']:.2f} ms, p99 "
                        f"{result['latency_ms']['p99']:.2f} ms")
            raw["latency"][setup][n] = runs
            summaries[n] = {name: summarise_latency(runs[name]) for name in names}
        out["latency"][setup] = summaries
        if len(names) == 2:
            for n in sizes:
                print_latency_table(n, summaries[n], labels)
        else:
            print(json.dumps(summaries, indent=2))
        if args.smoke:
            for name in names:
                s = summaries[sizes[0]][name]
                log(f"smoke: {labels[name]}: {s['received']}/{s['expected']} deliveries, "
                    f"{s['connected']} connected, {s['failed']} failed: "
                    f"{'ok' if s['all_delivered'] else 'FAILED'}")
        if not args.no_wrk and len(names) == 2 and servers["nchan"].wrk_target():
            for name in names:
                log(f"bench: {setup}: publish throughput: {labels[name]}")
                raw["throughput"].setdefault(setup, {})[name] = throughput_round(args, servers[name])
            print_throughput_table(raw["throughput"][setup]["proof"],
                                   raw["throughput"][setup]["nchan"])
    return ok


class Probe(threading.Thread):
    """GET /healthz on a fresh connection every `every` seconds: how long each answer took,
    and how many connects were refused (the moments nothing listened)."""

    def __init__(self, port, every=0.05):
        super().__init__(daemon=True)
        self.port, self.every = port, every
        self.latencies, self.refused, self.errors = [], 0, []
        self.halt = threading.Event()

    def run(self):
        import http.client
        while not self.halt.is_set():
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    self.latencies.append(time.monotonic() - started)
                else:
                    self.errors.append(f"status {status}")
            except ConnectionRefusedError:
                self.refused += 1
            except OSError as e:
                self.errors.append(f"{type(e).__name__}: {e}")
            self.halt.wait(self.every)

    def summary(self):
        lat = sorted(self.latencies)
        pick = (lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1) + 0.5))] * 1000) if lat else (lambda q: None)
        return {"answered": len(lat), "refused_while_down": self.refused, "errors": self.errors[:10],
                "error_count": len(self.errors), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                "max_ms": lat[-1] * 1000 if lat else None}


class Backlog(threading.Thread):
    """The listening socket's accept queue (ss's Recv-Q of the LISTEN socket) every
    `every` seconds: its peak is how far accepting fell behind the reconnecting pages."""

    def __init__(self, port, every=0.02):
        super().__init__(daemon=True)
        self.port, self.every, self.peak, self.samples = port, every, 0, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            out = subprocess.run(["ss", "-ltnH", f"sport = :{self.port}"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
            for line in out.splitlines():
                fields = line.split()
                if len(fields) > 1 and fields[1].isdigit():
                    self.peak = max(self.peak, int(fields[1]))
                    self.samples += 1
            self.halt.wait(self.every)


class Redis:
    """Debian's redis-server on a free port in a temp dir (append-only, as deployed)."""

    def __init__(self):
        self.proc = None

    def start(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="proof-bench-redis-")
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", self.dir, "--save", "", "--appendonly", "yes"],
            stdout=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)
        self.url = f"redis://127.0.0.1:{self.port}"

    def commands(self):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "info", "stats"],
                             stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            if line.startswith("total_commands_processed:"):
                return int(line.split(":")[1])
        return 0

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def loadgen_cmd(args, publish_to, subscribe_to, pids, extra):
    cmd = [args.loadgen, "--host", "127.0.0.1", "--port", str(publish_to.port), "--json",
           "--sources", str(SOURCES)]
    for server in subscribe_to:
        cmd += ["--subscribe-port", str(server.port)]
    for pid in pids:
        cmd += ["--server-pid", str(pid)]
    return cmd + publish_to.loadgen_args() + extra


def storm_round(args, n, over_redis):
    """n streams open, one proof restarted as systemd would (SIGTERM, then a new process on
    the same port): every page must come back with Last-Event-ID and get every event
    accepted, once. Alone (history in --data-dir, as the package runs it) or as one of
    three instances over Redis (the restarted one holds a third of the pages)."""
    data_dir = tempfile.mkdtemp(prefix="proof-bench-storm-")
    redis = Redis() if over_redis else None
    instances = []
    try:
        if redis:
            redis.start()
            for _ in range(3):
                instances.append(Proof(args.proof, extra=["--redis", redis.url],
                                       port=free_port()))
        else:
            instances.append(Proof(args.proof, extra=["--data-dir", data_dir], port=free_port()))
        for proof in instances:
            proof.start()
        victim = instances[-1]
        extra = ["--reconnect", "--subscribers", str(n), "--events", str(args.storm_events),
                 "--interval-ms", "250", "--connect-rate", str(args.connect_rate),
                 "--settle-ms", "500", "--drain-ms", "30000", "--connect-timeout-ms", "15000"]
        cmd = loadgen_cmd(args, instances[0], instances, [], extra)
        gen = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = gen.stderr.readline()
        if "streams open" not in line:
            raise RuntimeError(f"streams did not open: {line.strip()}")
        probe, backlog = Probe(victim.port), Backlog(victim.port)
        probe.start()
        backlog.start()
        time.sleep(args.storm_after)  # events are being published meanwhile
        busy = busy_cpu_seconds()
        stopped = time.monotonic()
        victim.stop()
        victim.start()
        downtime = time.monotonic() - stopped
        out, err = gen.communicate(timeout=300)
        probe.halt.set()
        backlog.halt.set()
        probe.join()
        backlog.join()
        if gen.returncode not in (0, 3):
            raise RuntimeError(f"proof-loadgen failed ({gen.returncode}): {err}")
        result = json.loads(out)
        result["storm"] = {"instances": len(instances), "restarted_pages": n // len(instances),
                           "seconds_stopped": downtime, "healthz": probe.summary(),
                           "accept_backlog_peak": backlog.peak,
                           "backlog_samples": backlog.samples,
                           "machine_busy_cpu_s": busy_cpu_seconds() - busy,
                           "loadavg": loadavg()}
        return result
    finally:
        for proof in instances:
            if proof.proc:
                proof.stop()
        if redis:
            redis.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def storm_mode(args, raw, out):
    ok = True
    for over_redis in ([False, True] if args.storm_redis else [False]):
        name = "three over Redis" if over_redis else "one instance"
        for n in [int(x) for x in args.storm_sizes.split(",") if x]:
            log(f"bench: storm, {name}, {n} streams: restart")
            r = storm_round(args, n, over_redis)
            raw["storm"].setdefault(name, {})[n] = r
            st, rc, d = r["storm"], r["reconnect"], r["deliveries"]
            healthy = (st["healthz"]["error_count"] == 0 and st["healthz"]["max_ms"] is not None
                       and st["healthz"]["max_ms"] < 100)
            ok = ok and r["complete"]
            summary = {
                "pages": n, "restarted_pages": st["restarted_pages"],
                "all_back": rc["all_back"], "seconds_until_all_back": rc["seconds_until_all_back"],
                "seconds_stopped": st["seconds_stopped"], "accept_backlog_peak": st["accept_backlog_peak"],
                "every_event_once": r["complete"], "duplicates": d["duplicates"],
                "received": d["received"], "expected": d["expected"],
                "events_accepted": r["events"]["published"], "healthz": st["healthz"],
                "healthz_under_100ms": healthy, "loadavg": st["loadavg"],
            }
            out["storm"].setdefault(name, {})[n] = summary
            print(f"\n### Reconnect storm: {n:,} pages, {name}\n")
            print("| figure | value |\n|---|---:|")
            for k, v in summary.items():
                print(f"| {k} | {fmt(v, 2) if not isinstance(v, dict) else json.dumps(v)} |")
            log(f"  all back {rc['all_back']} after {rc['seconds_until_all_back']:.2f} s, "
                f"deliveries {d['received']}/{d['expected']}, duplicates {d['duplicates']}, "
                f"healthz max {st['healthz']['max_ms']} ms, backlog peak {st['accept_backlog_peak']}")
    return ok


def instances_round(args, per_instance, count):
    """`count` proofs sharing one Redis, per_instance pages each, POSTs to the first; or
    (count 1) one proof over the same Redis holding them all."""
    redis = Redis()
    instances = []
    try:
        redis.start()
        instances = [Proof(args.proof, extra=["--redis", redis.url]) for _ in range(count)]
        for proof in instances:
            proof.start()
        n = per_instance * 3
        extra = ["--subscribers", str(n), "--events", str(args.events), "--interval-ms",
                 str(args.interval_ms), "--connect-rate", str(args.connect_rate),
                 "--settle-ms", "1000", "--drain-ms", "15000", "--connect-timeout-ms", "15000"]
        cmd = loadgen_cmd(args, instances[0], instances, [p.pid for p in instances], extra)
        commands, redis_cpu = redis.commands(), process_cpu_seconds(redis.proc.pid)
        started = time.monotonic()
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=600)
        seconds = time.monotonic() - started
        if out.returncode not in (0, 3):
            raise RuntimeError(f"proof-loadgen failed ({out.returncode}): {out.stderr}")
        result = json.loads(out.stdout)
        result["redis"] = {"commands": redis.commands() - commands,
                           "commands_per_s": (redis.commands() - commands) / seconds,
                           "cpu_s": process_cpu_seconds(redis.proc.pid) - redis_cpu,
                           "seconds": seconds, "rss_kb": rss_kb(redis.proc.pid)}
        result["loadavg"] = loadavg()
        return result
    finally:
        for proof in instances:
            if proof.proc:
                proof.stop()
        redis.stop()


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def instances_mode(args, raw, out):
    ok = True
    per = args.per_instance
    cases = {"three instances": 3, "one instance": 1}
    runs = {name: [] for name in cases}
    for rnd in range(args.rounds):
        order = list(cases) if rnd % 2 == 0 else list(reversed(list(cases)))
        for name in order:
            log(f"bench: instances: {name}, {per * 3} pages, round {rnd + 1}/{args.rounds}")
            r = instances_round(args, per, cases[name])
            runs[name].append(r)
            ok = ok and r["complete"]
            log(f"  deliveries {r['deliveries']['received']}/{r['deliveries']['expected']}, "
                f"p50 {r['latency_ms']['p50']:.2f} ms, p99 {r['latency_ms']['p99']:.2f} ms, "
                f"Redis {r['redis']['commands_per_s']:.0f} commands/s")
    raw["instances"] = runs
    med = lambda xs: statistics.median(xs) if xs else None
    summary = {}
    for name, rs in runs.items():
        summary[name] = {
            "pages": per * 3, "all_delivered": all(r["complete"] for r in rs),
            "p50": med([r["latency_ms"]["p50"] for r in rs]),
            "p99": med([r["latency_ms"]["p99"] for r in rs]),
            "rss_open_kb": med([(r["server"]["open"] or {}).get("rss_kb", 0) for r in rs]),
            "rss_per_sub_kb": med([r["server"].get("rss_per_subscriber_kb", 0) for r in rs]),
            "server_cpu_s": med([(r["server"]["end"] or {}).get("cpu_s", 0) for r in rs]),
            "threads_open": med([(r["server"]["open"] or {}).get("threads", 0) for r in rs]),
            "redis_commands_per_s": med([r["redis"]["commands_per_s"] for r in rs]),
            "redis_cpu_s": med([r["redis"]["cpu_s"] for r in rs]),
            "redis_rss_kb": med([r["redis"]["rss_kb"] or 0 for r in rs]),
            "loadavg": max(r["loadavg"] for r in rs),
        }
    out["instances"] = summary
    a, b = summary["three instances"], summary["one instance"]
    print(f"\n### {per * 3:,} pages: three instances over Redis ({per:,} each), POSTs to one, "
          f"against one instance holding all\n")
    print("| figure | three instances | one instance | three / one |\n|---|---:|---:|---:|")
    for key in a:
        print(f"| {key} | {fmt(a[key], 2)} | {fmt(b[key], 2)} | "
              f"{fmt(ratio(a[key], b[key]), 2) if isinstance(a[key], (int, float)) and not isinstance(a[key], bool) else ''} |")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="every mode, small: fail unless every event reaches every stream")
    ap.add_argument("--mode", default="latency",
                    help="latency, storm, instances, or several comma-separated")
    ap.add_argument("--proof", default=os.path.join(ROOT, "build", "proof"))
    ap.add_argument("--loadgen", default=os.path.join(ROOT, "build", "bench", "proof-loadgen"))
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--floor", default=os.path.join(ROOT, "build", "bench", "proof-floor"))
    ap.add_argument("--setups", default="one-loop,defaults",
                    help="latency: one-loop (proof --threads 1 against one nginx worker), "
                         "defaults (proof's default against worker_processes auto), floor "
                         "(proof --threads 1 against bench/floor, a loop that only writes)")
    ap.add_argument("--sizes", default="1000,10000,19000", help="subscriber counts, comma-separated")
    ap.add_argument("--rounds", type=int, default=1, help="rounds per size (medians reported)")
    ap.add_argument("--events", type=int, default=40)
    ap.add_argument("--interval-ms", type=int, default=250)
    ap.add_argument("--connect-rate", type=float, default=5000, help="new streams per second")
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--no-wrk", action="store_true", help="skip the publish throughput test")
    ap.add_argument("--only", choices=["proof", "nchan"], help="run one server only")
    ap.add_argument("--storm-sizes", default="19000", help="storm: pages, comma-separated")
    ap.add_argument("--storm-events", type=int, default=60, help="storm: events, 250 ms apart")
    ap.add_argument("--storm-after", type=float, default=3.0,
                    help="storm: seconds of publishing before the restart")
    ap.add_argument("--storm-redis", action="store_true",
                    help="storm: also restart one of three instances over Redis")
    ap.add_argument("--per-instance", type=int, default=6000, help="instances: pages on each of 3")
    ap.add_argument("--json-out", help="write every raw figure to this file")
    args = ap.parse_args()

    modes = [m for m in args.mode.split(",") if m]
    if args.smoke:
        modes = ["latency", "storm", "instances"]
        args.setups = "one-loop,defaults,floor"
        args.sizes, args.rounds, args.events, args.interval_ms = "300", 1, 5, 100
        args.storm_sizes, args.storm_events, args.storm_after, args.storm_redis = "300", 16, 1.0, True
        args.per_instance, args.no_wrk = 100, True

    missing = [p for p in (args.proof, args.loadgen) if not os.access(p, os.X_OK)]
    if "latency" in modes and "floor" in args.setups and not os.access(args.floor, os.X_OK):
        missing.append(args.floor)
    if "latency" in modes and not os.access(args.nginx, os.X_OK):
        missing.append(args.nginx)
    if "latency" in modes and not os.path.exists(NCHAN_MODULE):
        missing.append(NCHAN_MODULE + " (apt-get install libnginx-mod-nchan)")
    if "latency" in modes and not args.no_wrk and not shutil.which("wrk"):
        missing.append("wrk (apt-get install wrk)")
    if ("instances" in modes or args.storm_redis) and not shutil.which("redis-server"):
        missing.append("redis-server (apt-get install redis-server)")
    if missing:
        log("bench: missing " + ", ".join(missing))
        return 2

    log(f"bench: proof {args.proof}, load generator {args.loadgen}, nginx {args.nginx}, "
        f"load average {loadavg()}")
    raw = {"latency": {}, "throughput": {}, "storm": {}, "instances": {}}
    out = {"latency": {}, "storm": {}, "instances": {}}
    ok = True
    if "latency" in modes:
        ok = latency_mode(args, raw, out) and ok
    if "storm" in modes:
        ok = storm_mode(args, raw, out) and ok
    if "instances" in modes:
        ok = instances_mode(args, raw, out) and ok
    log(f"bench: load average now {loadavg()}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"summaries": out, "raw": raw}, f, indent=2)
    if args.smoke:
        log(f"smoke: {'ok' if ok else 'FAILED'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

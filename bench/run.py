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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
API_KEY = "bench-key-0123456789"
NOFILE = 20000


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class Proof:
    name = "proof"

    def __init__(self, binary):
        self.binary = binary
        self.proc = None
        # All the generator's streams and POSTs come from one address: lift the per-address
        # stream cap and the publish rate limit where this build has them (0: no limit).
        usage = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, text=True).stdout
        self.extra = []
        for flag in ("--max-subscribers-per-ip", "--max-publish-rate"):
            if flag in usage:
                self.extra += [flag, "0"]

    def start(self):
        self.port = free_port()
        cmd = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--api-key", API_KEY,
               "--max-subscribers", "19500", "--history", "100", "--log-level", "warn"]
        cmd += self.extra
        # The same as `ulimit -n 20000` in the shell that starts it.
        self.proc = subprocess.Popen(cmd, preexec_fn=raise_nofile)
        wait_for_port(self.port, self.proc)
        self.pid = self.proc.pid
        check_owner(self.port, [self.pid])

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

    def __init__(self, nginx):
        self.nginx = nginx
        self.proc = None

    def start(self):
        self.port = free_port()
        self.prefix = tempfile.mkdtemp(prefix="proof-bench-nchan-")
        with open(os.path.join(HERE, "nchan.conf")) as f:
            conf = f.read().replace("@PORT@", str(self.port))
        conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        cmd = [self.nginx, "-c", conf_path, "-p", self.prefix + "/", "-e", "stderr",
               "-g", "daemon off;"]
        self.proc = subprocess.Popen(cmd, preexec_fn=raise_nofile)
        wait_for_port(self.port, self.proc)
        deadline = time.monotonic() + 5
        workers = []
        while not workers and time.monotonic() < deadline:
            workers = children(self.proc.pid)
            time.sleep(0.05)
        if len(workers) != 1:
            raise RuntimeError(f"expected one nginx worker, found {workers}")
        self.pid = workers[0]  # the worker holds the connections and the memory
        check_owner(self.port, [self.proc.pid, self.pid])

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
    cmd = [args.loadgen, "--host", "127.0.0.1", "--port", str(server.port),
           "--server-pid", str(server.pid), "--json"] + server.loadgen_args() + extra
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=600)
    if out.returncode not in (0, 3):
        raise RuntimeError(f"proof-loadgen failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def latency_round(args, server, subscribers):
    start_fresh(server)
    try:
        extra = ["--subscribers", str(subscribers), "--events", str(args.events),
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
        cmd = [args.loadgen, "--host", "127.0.0.1", "--port", str(server.port),
               "--server-pid", str(server.pid), "--json", "--subscribers", "10", "--events", "0",
               "--settle-ms", "0", "--hold-seconds", "-1", "--drain-ms", "0"]
        cmd += server.loadgen_args()
        holder = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = holder.stderr.readline()
        if "10 streams open" not in line:
            raise RuntimeError(f"streams for the wrk run did not open: {line.strip()}")
        script, url = server.wrk_target()
        env = dict(os.environ, PROOF_BENCH_KEY=API_KEY)
        before, busy = loadavg(), busy_cpu_seconds()
        server_cpu, wrk_cpu = process_cpu_seconds(server.pid), children_cpu_seconds()
        holder_cpu = process_cpu_seconds(holder.pid)
        wrk = subprocess.run(["wrk", "-t2", "-c16", f"-d{args.wrk_seconds}s", "-s", script, url],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                             timeout=args.wrk_seconds + 60)
        text = wrk.stdout
        machine_busy = busy_cpu_seconds() - busy
        server_cpu = process_cpu_seconds(server.pid) - server_cpu
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


def print_latency_table(n, s):
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
    print(f"\n### {n:,} subscribers\n")
    print("| figure | proof | nchan | proof / nchan |")
    print("|---|---:|---:|---:|")
    for label, a, b, r in rows:
        print(f"| {label} | {a} | {b} | {fmt(r, 2) if r is not None else ''} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="300 subscribers, 5 events, both servers; fail unless all arrive")
    ap.add_argument("--proof", default=os.path.join(ROOT, "build", "proof"))
    ap.add_argument("--loadgen", default=os.path.join(ROOT, "build", "bench", "proof-loadgen"))
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--sizes", default="1000,10000", help="subscriber counts, comma-separated")
    ap.add_argument("--rounds", type=int, default=1, help="rounds per size (medians reported)")
    ap.add_argument("--events", type=int, default=40)
    ap.add_argument("--interval-ms", type=int, default=250)
    ap.add_argument("--connect-rate", type=float, default=5000, help="new streams per second")
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--no-wrk", action="store_true", help="skip the publish throughput test")
    ap.add_argument("--only", choices=["proof", "nchan"], help="run one server only")
    ap.add_argument("--json-out", help="write every raw figure to this file")
    args = ap.parse_args()

    if args.smoke:
        args.sizes, args.rounds, args.events, args.interval_ms = "300", 1, 5, 100
        args.no_wrk = True

    missing = [p for p in (args.proof, args.loadgen, args.nginx) if not os.access(p, os.X_OK)]
    if not os.path.exists(NCHAN_MODULE):
        missing.append(NCHAN_MODULE + " (apt-get install libnginx-mod-nchan)")
    if not args.no_wrk and not shutil.which("wrk"):
        missing.append("wrk (apt-get install wrk)")
    if missing:
        log("bench: missing " + ", ".join(missing))
        return 2

    log(f"bench: proof {args.proof}, load generator {args.loadgen}, nginx {args.nginx}")
    servers = {"proof": Proof(args.proof), "nchan": Nchan(args.nginx)}
    names = [args.only] if args.only else ["proof", "nchan"]
    sizes = [int(x) for x in args.sizes.split(",") if x]
    raw = {"latency": {}, "throughput": {}}
    summaries = {}
    ok = True

    for n in sizes:
        runs = {name: [] for name in names}
        for rnd in range(args.rounds):
            order = names if rnd % 2 == 0 else list(reversed(names))
            for name in order:
                log(f"bench: {n} subscribers, round {rnd + 1}/{args.rounds}: {name}")
                result = latency_round(args, servers[name], n)
                runs[name].append(result)
                ok = ok and result["complete"]
                log(f"  connected {result['subscribers']['connected']}, failed "
                    f"{result['subscribers']['failed']}, deliveries "
                    f"{result['deliveries']['received']}/{result['deliveries']['expected']}, "
                    f"p50 {result['latency_ms']['p50']:.2f} ms, p99 "
                    f"{result['latency_ms']['p99']:.2f} ms")
        raw["latency"][n] = runs
        summaries[n] = {name: summarise_latency(runs[name]) for name in names}

    if not args.no_wrk:
        for name in names:
            log(f"bench: publish throughput: {name}")
            raw["throughput"][name] = throughput_round(args, servers[name])

    if not args.no_wrk:
        log(f"bench: load average now {loadavg()}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"summaries": summaries, "raw": raw}, f, indent=2)

    if len(names) == 2:
        for n in sizes:
            print_latency_table(n, summaries[n])
        if raw["throughput"]:
            p, q = raw["throughput"]["proof"], raw["throughput"]["nchan"]
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
            print(f"| server CPU during the wrk run (s) | {p['server_cpu_s']:.1f} | "
                  f"{q['server_cpu_s']:.1f} | {ratio(p['server_cpu_s'], q['server_cpu_s']):.2f} |")
            print(f"| wrk CPU (s) | {p['wrk_cpu_s']:.1f} | {q['wrk_cpu_s']:.1f} | |")
            print(f"| other processes' CPU during the wrk run (s) | {p['other_cpu_s']:.1f} | "
                  f"{q['other_cpu_s']:.1f} | |")
            print(f"| machine load average, start / end | {'/'.join(map(str, p['loadavg']))} | "
                  f"{'/'.join(map(str, q['loadavg']))} | |")
    else:
        print(json.dumps(summaries, indent=2))

    if args.smoke:
        for name in names:
            s = summaries[sizes[0]][name]
            log(f"smoke: {name}: {s['received']}/{s['expected']} deliveries, "
                f"{s['connected']} connected, {s['failed']} failed: "
                f"{'ok' if s['all_delivered'] else 'FAILED'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

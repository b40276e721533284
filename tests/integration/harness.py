"""Starts the real proof binary on a free loopback port and talks to it over real sockets.

Only the Python standard library is used, so the tests run on a fresh Debian 12 machine
with nothing but python3.
"""

import http.client
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from ports import free_port  # noqa: E402  (re-exported: the tests import it from here)

ROOT = Path(__file__).resolve().parents[2]
PROOF_BIN = os.environ.get("PROOF_BIN", str(ROOT / "build" / "proof"))
PUBLIC_DIR = os.environ.get("PROOF_PUBLIC_DIR", str(ROOT / "public"))
API_KEY = "test-key-5f2b9c"
# "" for the release build; "address" or "thread" when scripts/test-sanitizers.sh runs the
# tests against a sanitized server, whose memory and threads are not the release build's.
SANITIZER = os.environ.get("PROOF_SANITIZER", "")


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def process_status(pid, field):
    """A number field of /proc/PID/status (VmRSS in kB, Threads, ...)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} line in /proc/{pid}/status")


def threads_of(pid):
    """The process's thread count."""
    return process_status(pid, "Threads")


def request_from(source, port, method, path, body=None, headers=None, timeout=5.0):
    """One request on a fresh connection from loopback address `source`: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


class Proof:
    """One running proof process; stop() sends SIGTERM and returns (exit code, seconds).
    `tls`: an ssl.SSLContext for a server started with --tls-cert, which request() uses."""

    def __init__(self, *args, port=None, api_key=API_KEY, env=None, public_dir=PUBLIC_DIR,
                 healthy=True, wrapper=(), tls=None):
        self.port = port or free_port()
        self.tls = tls
        self.log = tempfile.NamedTemporaryFile(prefix="proof-log-", suffix=".txt", delete=False)
        # `wrapper`: a command that runs proof, e.g. ("prlimit", "--nofile=200:200").
        cmd = [*wrapper, PROOF_BIN, "--bind", "127.0.0.1", "--port", str(self.port),
               "--public-dir", public_dir, *args]
        if api_key is not None:
            cmd += ["--api-key", api_key]
        full_env = dict(os.environ)
        full_env.pop("PROOF_API_KEY", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=full_env)
        self._wait_ready(healthy)

    def _wait_ready(self, healthy, timeout=10.0):
        """Until /healthz answers 200 (or, with healthy=False, answers at all)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"proof exited with {self.proc.returncode}: {self.logs()}")
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=1)
                if status == 200 or not healthy:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("proof did not become ready: " + self.logs())

    def logs(self):
        return Path(self.log.name).read_text(errors="replace")

    def request(self, method, path, body=None, headers=None, timeout=10):
        if self.tls is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.tls)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def publish(self, expect=202, **fields):
        """POSTs the original's form body; returns the parsed JSON answer."""
        fields.setdefault("api_key", API_KEY)
        from urllib.parse import urlencode
        status, _, body = self.request(
            "POST", "/signup", urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == expect, (status, body)
        return json.loads(body)

    def metric(self, name):
        _, _, body = self.request("GET", "/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        raise KeyError(name)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            started = time.monotonic()
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
            elapsed = time.monotonic() - started
        else:
            elapsed = 0.0
        self.log.close()
        return self.proc.returncode, elapsed

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class SSEClient:
    """A raw-socket EventSource: sends the GET, decodes chunked framing and SSE blocks;
    over TLS when given `tls`, an ssl.SSLContext."""

    def __init__(self, port, path="/events", headers=None, timeout=10.0, host="127.0.0.1",
                 source=None, tls=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        self.text = ""
        self.closed = False
        self.status, self.headers = self._read_head()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"

    def _recv(self, timeout=None):
        if timeout is not None:
            self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        if not data:
            self.closed = True
        return data

    def _read_head(self):
        while b"\r\n\r\n" not in self.raw:
            data = self._recv()
            if not data:
                raise ConnectionError("closed before headers")
            self.raw += data
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers

    def body(self, timeout=5.0):
        """For a non-stream answer: the whole body (Content-Length)."""
        length = int(self.headers.get("content-length", "0"))
        deadline = time.monotonic() + timeout
        while len(self.raw) < length and time.monotonic() < deadline:
            data = self._recv(max(0.01, deadline - time.monotonic()))
            if not data:
                break
            self.raw += data
        return self.raw[:length]

    def _decode_chunks(self):
        while True:
            if not self.chunked:
                self.text += self.raw.decode()
                self.raw = b""
                return
            end = self.raw.find(b"\r\n")
            if end < 0:
                return
            size = int(self.raw[:end].split(b";")[0], 16)
            if size == 0:
                self.closed = True
                return
            if len(self.raw) < end + 2 + size + 2:
                return
            self.text += self.raw[end + 2:end + 2 + size].decode()
            self.raw = self.raw[end + 2 + size + 2:]

    def next_block(self, timeout=5.0):
        """The next SSE block (text up to a blank line), or None on timeout or close."""
        deadline = time.monotonic() + timeout
        self._decode_chunks()  # the head may have arrived together with the first chunks
        while "\n\n" not in self.text:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                return None
            try:
                data = self._recv(remaining)
            except socket.timeout:
                return None
            except OSError:
                self.closed = True
                return None
            self.raw += data
            self._decode_chunks()
        block, self.text = self.text.split("\n\n", 1)
        return block

    def next_event(self, timeout=5.0):
        """The next event as a dict {id, event, data}, skipping retry and comment blocks."""
        deadline = time.monotonic() + timeout
        while True:
            block = self.next_block(max(0.0, deadline - time.monotonic()))
            if block is None:
                return None
            event = parse_block(block)
            if "data" in event:
                return event

    def wait_closed(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            try:
                data = self._recv(max(0.01, deadline - time.monotonic()))
            except socket.timeout:
                break
            except OSError:
                self.closed = True
                break
            self.raw += data
        return self.closed

    def close(self):
        self.sock.close()


def parse_block(block):
    """Parses one SSE block as a browser would: field lines, data lines joined by \\n."""
    event = {}
    data = []
    for line in block.split("\n"):
        if line.startswith(":"):
            event.setdefault("comments", []).append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        else:
            event[name] = value
    if data:
        event["data"] = "\n".join(data)
        event["json"] = json.loads(event["data"])
    return event


class ProofTestCase(unittest.TestCase):
    """Starts one server per test class; tests that need other flags start their own."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        cls.proof = Proof(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()

    def sse(self, path="/events", **kwargs):
        client = SSEClient(self.proof.port, path, **kwargs)
        self.addCleanup(client.close)
        return client

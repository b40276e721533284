"""Several proof instances over one real Redis (Debian's redis-server, started by each test
on a free port in a temporary directory): one service across processes."""

import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Proof, SSEClient, free_port, raise_fd_limit
from tools import requires

REDIS = shutil.which("redis-server")


class RedisError(Exception):
    """An error reply from Redis (its text: "NOPERM ...", "WRONGPASS ...")."""


class RedisClient:
    """A minimal RESP2 client over a socket, so the tests need nothing but the standard
    library: call("GET", "k") returns str, int, list, None, or raises RedisError."""

    def __init__(self, port, user=None, password=None, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        if password is not None:
            self.call("AUTH", *([user] if user else []), password)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("Redis closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:size], self.buf[size + 2:]
            return data.decode(errors="replace")
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._reply() for _ in range(size)]
        raise ConnectionError(f"unexpected reply {line!r}")

    def close(self):
        self.sock.close()


class RedisServer:
    """A private redis-server on a free port in a temporary directory. With persistent=True
    (append-only file, fsync always) restart() keeps its data; without, it comes back
    empty. `args` are more redis-server options; `admin` the user and password of the
    test's own connection when the default user is off."""

    def __init__(self, persistent=True, args=(), admin=None, port=None):
        self.dir = tempfile.mkdtemp(prefix="proof-redis-")
        self.port = port or free_port()
        self.persistent = persistent
        self.args = list(args)
        self.admin = admin
        self.proc = None
        self.start()

    def start(self):
        persistence = (["--appendonly", "yes", "--appendfsync", "always"] if self.persistent
                       else ["--appendonly", "no"])
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", *persistence, "--enable-debug-command", "local", *self.args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            try:
                client = self.client()
                client.call("PING")
                client.close()
                return
            except (OSError, RedisError):
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def client(self, user=None, password=None):
        if user is None and password is None and self.admin:
            user, password = self.admin
        return RedisClient(self.port, user, password)

    def call(self, *args):
        """One command as the test's own (admin) user."""
        client = self.client()
        try:
            return client.call(*args)
        finally:
            client.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"


def names(events):
    return [e["json"]["user_name"] for e in events]


def read_events(stream, count, timeout=5.0):
    events = []
    deadline = time.monotonic() + timeout
    while len(events) < count:
        event = stream.next_event(max(0.0, deadline - time.monotonic()))
        if event is None:
            break
        events.append(event)
    return events


@requires("redis-server")
class RedisTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)

    def instance(self, *args, prefix="proof"):
        proof = Proof("--redis", self.redis.url, "--redis-prefix", prefix, "--heartbeat", "1",
                      *args)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof, **headers):
        path = headers.pop("path", "/events")
        stream = SSEClient(proof.port, path, headers=headers)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        return stream

    def test_every_subscriber_of_every_instance_gets_every_event_once_in_one_order(self):
        instances = [self.instance() for _ in range(3)]
        streams = [self.stream(p) for p in instances for _ in range(2)]
        sent = []
        for i in range(12):
            answer = instances[i % 3].publish(user_name=f"u{i}")
            sent.append(answer["id"])
        self.assertEqual(sent, sorted(sent), "ids rise across the service")
        for stream in streams:
            events = read_events(stream, 12)
            self.assertEqual([int(e["id"]) for e in events], sent)
            self.assertEqual(names(events), [f"u{i}" for i in range(12)])
            self.assertIsNone(stream.next_event(timeout=0.5), "an event came twice")

    def test_a_browser_resumes_on_another_instance_exactly_where_it_was(self):
        a, b = self.instance(), self.instance()
        first = self.stream(a)
        for i in range(3):
            a.publish(user_name=f"before{i}")
        seen = read_events(first, 3)
        first.close()
        for i in range(2):
            b.publish(user_name=f"after{i}")
        resumed = self.stream(b, **{"Last-Event-ID": seen[-1]["id"]})
        self.assertEqual(names(read_events(resumed, 2)), ["after0", "after1"])
        self.assertIsNone(resumed.next_event(timeout=0.5))

    def test_an_instance_started_later_replays_history_it_never_saw(self):
        a = self.instance()
        for i in range(3):
            a.publish(user_name=f"old{i}")
        late = self.instance()
        replay = self.stream(late, path="/events?replay=3")
        self.assertEqual(names(read_events(replay, 3)), ["old0", "old1", "old2"])

    def test_kill_9_of_an_instance_loses_nothing_it_acknowledged(self):
        a, b = self.instance(), self.instance()
        watcher = self.stream(b)
        acknowledged = [a.publish(user_name=f"k{i}")["id"] for i in range(5)]
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        self.assertEqual([int(e["id"]) for e in read_events(watcher, 5)], acknowledged)
        fresh = self.instance()
        replay = self.stream(fresh, path="/events?replay=5")
        self.assertEqual([int(e["id"]) for e in read_events(replay, 5)], acknowledged)

    def test_redis_down_and_back_streams_stay_posts_refused_quickly_then_nothing_lost(self):
        a, b = self.instance(), self.instance()
        stream = self.stream(b)
        a.publish(user_name="before")
        self.assertEqual(names(read_events(stream, 1)), ["before"])

        self.redis.stop()
        deadline = time.monotonic() + 5
        while a.request("GET", "/healthz")[0] != 503 and time.monotonic() < deadline:
            time.sleep(0.1)
        status, _, body = a.request("GET", "/healthz")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body)["status"], "degraded")
        self.assertEqual(a.metric("proof_redis_connected"), 0)
        started = time.monotonic()
        status, headers, _ = a.request(
            "POST", "/signup", "api_key=test-key-5f2b9c&user_name=lost",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 503)
        self.assertIn("retry-after", headers)
        self.assertLess(time.monotonic() - started, 2.5, "a POST waited for Redis")
        # The stream stays open: heartbeats keep coming while Redis is away.
        block = stream.next_block(timeout=3)
        self.assertIsNotNone(block)
        self.assertFalse(stream.closed)

        self.redis.start()
        deadline = time.monotonic() + 10
        while a.request("GET", "/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(a.request("GET", "/healthz")[0], 200)
        deadline = time.monotonic() + 10
        while b.request("GET", "/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        a.publish(user_name="after")
        self.assertEqual(names(read_events(stream, 1)), ["after"])
        self.assertIsNone(stream.next_event(timeout=0.5), "an event came twice")
        # Append-only persistence kept the history across the restart; the refused POST is
        # not in it.
        replay = self.stream(self.instance(), path="/events?replay=10")
        self.assertEqual(names(read_events(replay, 2)), ["before", "after"])

    def test_two_sites_sharing_one_redis_with_their_own_prefixes_stay_apart(self):
        shop = self.instance(prefix="shop")
        blog = self.instance(prefix="blog")
        shop_stream, blog_stream = self.stream(shop), self.stream(blog)
        shop.publish(user_name="buyer")
        blog.publish(user_name="reader")
        self.assertEqual(names(read_events(shop_stream, 1)), ["buyer"])
        self.assertEqual(names(read_events(blog_stream, 1)), ["reader"])
        self.assertIsNone(shop_stream.next_event(timeout=0.5))
        self.assertIsNone(blog_stream.next_event(timeout=0.2))

    def test_an_unreachable_redis_at_start_is_a_503_never_a_single_node(self):
        dead = f"redis://127.0.0.1:{free_port()}"
        proof = Proof("--redis", dead, healthy=False)
        self.addCleanup(proof.kill)
        status, _, body = proof.request("GET", "/healthz")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body), {"status": "degraded", "reason": "redis unreachable"})
        proof.publish(expect=503, user_name="nowhere")
        self.assertIn("cannot reach", proof.logs())


    def test_concurrent_publishers_on_two_instances_get_distinct_rising_ids_in_stream_order(self):
        # The id is assigned and the entry appended in one Lua script: two instances
        # publishing at once never issue one id twice, and the stream's order is the ids'.
        import threading
        a, b = self.instance("--max-publish-rate", "0"), self.instance("--max-publish-rate", "0")
        watcher = self.stream(a)
        ids, lock = [], threading.Lock()

        def publish(proof, tag):
            for i in range(15):
                answer = proof.publish(user_name=f"{tag}{i}")
                with lock:
                    ids.append(int(answer["id"]))

        threads = [threading.Thread(target=publish, args=pt) for pt in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(set(ids)), 30)
        self.assertEqual([int(e["id"]) for e in read_events(watcher, 30)], sorted(ids))

    def test_a_malformed_redis_url_stops_proof_at_start_with_the_reason(self):
        from harness import API_KEY, PROOF_BIN
        done = subprocess.run(
            [PROOF_BIN, "--port", str(free_port()), "--api-key", API_KEY,
             "--redis", "http://127.0.0.1:6379"],
            capture_output=True, text=True, timeout=10)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("redis", (done.stdout + done.stderr).lower())


if __name__ == "__main__":
    unittest.main()

"""Several instances over one real Redis count as one service: the live count of open
pages, the /summary totals and the /stats days are sums over every instance, they outlive
the instances, and an instance that stops or dies leaves the live count."""

import json
import signal
import subprocess
import time
import unittest
from urllib.parse import urlencode

from harness import API_KEY, PROOF_BIN, Proof, SSEClient, raise_fd_limit
from tools import requires
from test_presence import next_count, reaches
from test_redis import REDIS, RedisServer

AUTH = {"X-API-Key": API_KEY}


def eventually(probe, expected, timeout=6.0):
    """probe() until it returns `expected`; its last value otherwise."""
    deadline = time.monotonic() + timeout
    value = probe()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = probe()
    return value


@requires("redis-server")
class SharedCountsTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)

    def instance(self, *args):
        proof = Proof("--redis", self.redis.url, "--heartbeat", "1", "--presence-interval", "1",
                      "--trusted-proxy", "127.0.0.1", "--max-publish-rate", "0", *args)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof, path):
        stream = SSEClient(proof.port, path)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        return stream

    def summary(self, proof, query):
        status, _, body = proof.request("GET", "/summary?" + query)
        self.assertEqual(status, 200, body)
        return json.loads(body)["count"]

    def today(self, proof):
        status, _, body = proof.request("GET", "/stats?days=1", headers=AUTH)
        self.assertEqual(status, 200, body)
        (day,) = json.loads(body)["days"]
        return day

    def beacon(self, proof, body, address):
        status, _, answer = proof.request("POST", "/beacon", json.dumps(body), {
            "Content-Type": "text/plain", "X-Forwarded-For": address})
        self.assertEqual(status, 204, answer)

    def test_the_live_count_sums_the_pages_open_on_every_instance(self):
        a, b = self.instance(), self.instance()
        site = self.stream(a, "/events?presence=1")
        self.stream(a, "/events?channel=mug")
        mug = self.stream(b, "/events?channel=mug&presence=1")
        self.stream(b, "/events?channel=hat")
        # Site-wide: every page on both instances; the mug channel: one page on each.
        self.assertTrue(reaches(site, 4), "a's watcher never saw b's pages")
        self.assertTrue(reaches(mug, 2), "b's mug watcher never saw a's mug page")

        # An instance that stops takes its pages out of the count at once (well inside the
        # lease an instance that disappears would need).
        started = time.monotonic()
        code, _ = b.stop()
        self.assertEqual(code, 0, "SIGTERM did not stop b cleanly: " + b.logs()[-500:])
        self.assertTrue(reaches(site, 2, timeout=4), "b's pages stayed in the count")
        self.assertLess(time.monotonic() - started, 4)

    def test_an_instance_that_dies_leaves_the_count_when_its_lease_runs_out(self):
        a, c = self.instance(), self.instance()
        site = self.stream(a, "/events?presence=1")
        for _ in range(3):
            self.stream(c, "/events")
        self.assertTrue(reaches(site, 4))
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait()
        self.assertTrue(reaches(site, 1, timeout=12), "a dead instance's pages were counted on")

    def test_summary_totals_are_summed_over_instances_and_outlive_them(self):
        a, b = self.instance(), self.instance()
        a.publish(user_name="Jane", channel="mug")
        a.publish(user_name="Ann")
        b.publish(user_name="Bob", channel="mug")
        b.publish(user_name="Eve", channel="hat")
        for proof in (a, b):
            self.assertEqual(self.summary(proof, "hours=1"), 4)
            self.assertEqual(self.summary(proof, "hours=168&channel=mug"), 2)
            self.assertEqual(self.summary(proof, "hours=720&channel=hat"), 1)
            self.assertEqual(self.summary(proof, "hours=24&channel=cap"), 0)
        a.stop()
        b.stop()
        # A new instance (say, after a deploy) reads the same totals from Redis.
        fresh = self.instance()
        self.assertEqual(self.summary(fresh, "hours=24"), 4)
        self.assertEqual(self.summary(fresh, "hours=24&channel=mug"), 2)

    def test_stats_days_are_summed_over_instances(self):
        a, b = self.instance(), self.instance()
        first = a.publish(user_name="Jane")["id"]
        second = b.publish(user_name="Bob")["id"]
        b.publish(user_name="Ann")
        # Both instances hold every event (the history is shared), so each counts a beacon
        # for an event the other accepted.
        self.beacon(a, {"id": second, "kind": "shown"}, "198.51.100.1")
        self.beacon(b, {"id": first, "kind": "shown"}, "198.51.100.2")
        self.beacon(b, {"id": first, "kind": "click"}, "198.51.100.3")
        self.beacon(a, {"card": "presence", "kind": "shown"}, "198.51.100.4")
        streams = [self.stream(a, "/events"), self.stream(b, "/events"),
                   self.stream(b, "/events?channel=mug")]
        expected = {"published": 3, "shown": 3, "clicks": 1, "peak_pages": 3}

        def counts(proof):
            day = self.today(proof)
            return {k: day[k] for k in expected}

        for proof in (a, b):
            self.assertEqual(eventually(lambda: counts(proof), expected), expected)
        for stream in streams:
            stream.close()
        a.stop()
        b.stop()
        # The counts stay in Redis: a new instance reports them, and the peak stays a peak.
        fresh = self.instance()
        self.assertEqual(counts(fresh), expected)

    def test_unreachable_redis_refuses_counts_clearly_and_the_live_count_goes_local(self):
        a, b = self.instance(), self.instance()
        site = self.stream(a, "/events?presence=1")
        self.stream(b, "/events")
        self.assertTrue(reaches(site, 2))
        self.redis.stop()
        for path, headers in (("/summary?hours=3", {}), ("/stats?days=2", AUTH)):
            status, answer_headers, body = a.request("GET", path, headers=headers)
            self.assertEqual(status, 503, path)
            self.assertIn("retry-after", answer_headers)
            self.assertIn(b"Redis", body)
        # Without news from Redis, only this instance's own page is counted.
        self.assertTrue(reaches(site, 1, timeout=12))
        self.redis.start()
        self.assertTrue(reaches(site, 2, timeout=12), "the count did not come back with Redis")
        self.assertEqual(eventually(lambda: a.request("GET", "/summary?hours=2")[0], 200), 200)

    def test_a_port_in_use_stops_the_start_cleanly_with_redis_threads_running(self):
        a = self.instance()
        result = subprocess.run(
            [PROOF_BIN, "--bind", "127.0.0.1", "--port", str(a.port), "--api-key", API_KEY,
             "--redis", self.redis.url], capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("cannot listen", result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()

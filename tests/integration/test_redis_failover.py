"""Three instances over one real Redis while Redis stalls, comes back empty, or trims the
shared stream past what an instance had read: nothing acknowledged with 202 is lost while
Redis is up, nothing is shown twice, ids never go backwards, and a gap is reported."""

import re
import signal
import threading
import time
import unittest

from harness import SSEClient, Proof, raise_fd_limit
from tools import requires
from test_redis import REDIS, RedisServer, names, read_events


def drain(stream, quiet=1.5, timeout=10.0):
    """Every event until none came for `quiet` seconds."""
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = stream.next_event(quiet)
        if event is None:
            break
        events.append(event)
    return events


def wait_healthy(proofs, timeout=15.0):
    deadline = time.monotonic() + timeout
    for proof in proofs:
        while proof.request("GET", "/healthz")[0] != 200:
            if time.monotonic() > deadline:
                raise AssertionError("not healthy again: " + proof.logs()[-1500:])
            time.sleep(0.1)


@requires("redis-server")
class RedisFailoverTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()

    def start_redis(self, **kwargs):
        redis = RedisServer(**kwargs)
        self.addCleanup(redis.close)
        return redis

    def instances(self, redis, *args, count=3):
        out = []
        for _ in range(count):
            proof = Proof("--redis", redis.url, "--heartbeat", "1", "--max-publish-rate", "0",
                          *args)
            self.addCleanup(proof.kill)
            out.append(proof)
        return out

    def stream(self, proof, path="/events", **headers):
        stream = SSEClient(proof.port, path, headers=headers)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        return stream

    def test_a_stall_longer_than_the_timeout_loses_nothing_acknowledged_and_shows_nothing_twice(self):
        redis = self.start_redis()
        proofs = self.instances(redis)
        streams = [self.stream(p) for p in proofs]
        acknowledged = [proofs[0].publish(user_name="before")["id"]]
        stall = threading.Thread(target=redis.call, args=("DEBUG", "SLEEP", "3"))
        stall.start()
        time.sleep(0.3)
        # While Redis does not answer: refused quickly, said by /healthz.
        started = time.monotonic()
        status, headers, _ = proofs[1].request(
            "POST", "/signup", "api_key=test-key-5f2b9c&user_name=during",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 503)
        self.assertIn("retry-after", headers)
        self.assertLess(time.monotonic() - started, 2.5)
        deadline = time.monotonic() + 2
        while not any(p.request("GET", "/healthz")[0] == 503 for p in proofs):
            self.assertLess(time.monotonic(), deadline, "/healthz never said degraded")
            time.sleep(0.1)
        stall.join()
        wait_healthy(proofs)
        for i, proof in enumerate(proofs):
            acknowledged.append(proof.publish(user_name=f"after{i}")["id"])
        for stream in streams:
            got = [int(e["id"]) for e in drain(stream)]
            # The refused POST may still have been run by Redis once it woke (the answer was
            # lost, not the command): shown at most once, and every acknowledged one shown.
            self.assertEqual(len(got), len(set(got)), "an event came twice")
            self.assertEqual(got, sorted(got))
            self.assertTrue(set(acknowledged) <= set(got), (acknowledged, got))

    def test_redis_back_empty_ids_go_on_upward_and_last_event_id_still_works(self):
        redis = self.start_redis(persistent=False)
        proofs = self.instances(redis, "--history", "20")
        # A sequence ahead of this machine's clock (the clock stepped back, or another
        # machine's was ahead): after Redis forgets it, new ids must still be above these.
        ahead = int(time.time() * 1e6) + 3600 * 10**6
        redis.call("SET", "proof:last_id", str(ahead))
        streams = [self.stream(p) for p in proofs]
        old = [proofs[i].publish(user_name=f"old{i}")["id"] for i in range(3)]
        self.assertTrue(all(i > ahead for i in old))
        for stream in streams:
            self.assertEqual([int(e["id"]) for e in read_events(stream, 3)], old)
        seen = old[1]  # a browser that had shown old0 and old1, then closed

        redis.stop()
        redis.start()  # empty: no persistence
        wait_healthy(proofs)
        new = [proofs[i].publish(user_name=f"new{i}")["id"] for i in (2, 0, 1)]
        self.assertGreater(min(new), max(old), "ids went backwards")
        self.assertEqual(new, sorted(new))
        for stream in streams:
            got = read_events(stream, 3)
            self.assertEqual([int(e["id"]) for e in got], new, "new events silenced or shown twice")
            self.assertIsNone(stream.next_event(timeout=0.5))

        # The browser comes back to another instance with its Last-Event-ID from before:
        # what it had not seen yet, nothing it showed, nothing silenced.
        resumed = self.stream(proofs[2], **{"Last-Event-ID": str(seen)})
        self.assertEqual(names(read_events(resumed, 4)), ["old2", "new2", "new0", "new1"])
        proofs[1].publish(user_name="later")
        self.assertEqual(names(read_events(resumed, 1)), ["later"])
        self.assertIsNone(resumed.next_event(timeout=0.5))

    def test_a_flushall_under_running_instances_keeps_ids_rising(self):
        redis = self.start_redis()
        proofs = self.instances(redis)
        watcher = self.stream(proofs[2])
        redis.call("SET", "proof:last_id", str(int(time.time() * 1e6) + 3600 * 10**6))
        old = proofs[0].publish(user_name="old")["id"]
        self.assertEqual(names(read_events(watcher, 1)), ["old"])
        redis.call("FLUSHALL")
        new = proofs[1].publish(user_name="new")["id"]
        self.assertGreater(new, old)
        self.assertEqual(names(read_events(watcher, 1)), ["new"])
        self.assertIn("Redis has lost events this instance had read", proofs[2].logs())

    def test_an_instance_back_after_the_stream_was_trimmed_reports_the_gap_and_catches_up(self):
        # Small stream nodes, so that MAXLEN ~ trims close to --history.
        redis = self.start_redis(args=["--stream-node-max-entries", "2"])
        a, b, c = self.instances(redis, "--history", "5")
        on_c = self.stream(c)
        a.publish(user_name="first")
        self.assertEqual(names(read_events(on_c, 1)), ["first"])

        c.proc.send_signal(signal.SIGSTOP)  # away, without losing its connections
        published = [b.publish(user_name=f"m{i}")["id"] for i in range(20)]
        c.proc.send_signal(signal.SIGCONT)

        deadline = time.monotonic() + 10
        while c.metric("proof_redis_gap_events_total") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        missed = int(c.metric("proof_redis_gap_events_total"))
        got = [int(e["id"]) for e in read_events(on_c, 20 - missed, timeout=5)]
        self.assertIsNone(on_c.next_event(timeout=0.5), "an event came twice")
        # What c's page got and what c reports missed are exactly what was published.
        self.assertGreater(missed, 0)
        self.assertEqual(got, [i for i in published if i in got])
        self.assertEqual(len(got) + missed, len(published))
        self.assertEqual(got[-1], published[-1])
        reports = re.findall(r"missed (\d+) events", c.logs())
        self.assertEqual(reports, [str(missed)], "logged once, with the number")
        for other in (a, b):
            self.assertEqual(other.metric("proof_redis_gap_events_total"), 0)


if __name__ == "__main__":
    unittest.main()

"""The holdout experiment (--holdout) against the real binary: many visitors, each its own
loopback address and User-Agent (the whole 127.0.0.0/8 answers locally), arms read from
their streams' first event, beacons counted exactly, the figures equal to statsmodels', a
restart and a second instance over Redis that assign alike, and nothing about a visitor in
any file."""

import hashlib
import json
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import API_KEY, Proof, SSEClient, raise_fd_limit, request_from
from test_redis import RedisServer
from tools import requires

SUPPORT = Path(__file__).resolve().parents[1] / "support"
# Debian's statsmodels is importable by Debian's own python3 (not always the first in PATH).
DEBIAN_PYTHON = "/usr/bin/python3"


def visitor(i):
    """The i-th simulated visitor: an address of its own and a browser of its own."""
    return f"127.{1 + i // 250 % 200}.{i % 250 + 1}.{7 + i // 50000}", f"Browser/{i} (test)"


def arm_of(port, address, agent):
    """The arm the visitor's stream announces first, or None when it announces none."""
    client = SSEClient(port, headers={"User-Agent": agent}, source=address)
    try:
        assert client.status == 200, client.status
        block = client.next_block(timeout=5)
        while block is not None and block.startswith("retry:"):
            block = client.next_block(timeout=5)
        if block is None or not block.startswith("event: arm"):
            return None
        return json.loads(block.split("data: ", 1)[1])["arm"]
    finally:
        client.close()


def beacon(port, address, agent, body):
    status, _ = request_from(address, port, "POST", "/beacon", json.dumps(body),
                             {"Content-Type": "text/plain", "User-Agent": agent})
    return status


def stats(proof):
    status, _, body = proof.request("GET", "/stats?days=1",
                                    headers={"Authorization": f"Bearer {API_KEY}"})
    assert status == 200, (status, body)
    return json.loads(body)["experiment"]


def statsmodels_figures(xs, ns, xh, nh, percent):
    result = subprocess.run([DEBIAN_PYTHON, str(SUPPORT / "statsmodels_figures.py"),
                             *map(str, (xs, ns, xh, nh, percent))],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError("statsmodels: " + result.stdout + result.stderr)
    return json.loads(result.stdout)


class ExperimentTest(unittest.TestCase):
    VISITORS = 400
    PERCENT = 20

    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        cls.dir = tempfile.TemporaryDirectory()
        cls.proof = Proof("--holdout", str(cls.PERCENT), "--data-dir", cls.dir.name)
        # Arms as each visitor's stream says them, and a known effect: visitors of the shown
        # arm convert one in 8, held-out ones one in 16 (by their number, not at random).
        cls.arms = {}
        cls.expected = {"shown": [0, 0], "holdout": [0, 0]}
        for i in range(cls.VISITORS):
            address, agent = visitor(i)
            arm = arm_of(cls.proof.port, address, agent)
            cls.arms[i] = arm
            assert beacon(cls.proof.port, address, agent, {"kind": "visit"}) == 204
            # A second page view the same day counts the visitor once.
            assert beacon(cls.proof.port, address, agent, {"kind": "visit"}) == 204
            cls.expected[arm][0] += 1
            if i % (8 if arm == "shown" else 16) == 0:
                assert beacon(cls.proof.port, address, agent,
                              {"kind": "goal", "goal": "purchase"}) == 204
                cls.expected[arm][1] += 1

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()
        cls.dir.cleanup()

    def test_every_stream_opens_with_its_arm_in_about_the_asked_share(self):
        self.assertNotIn(None, self.arms.values())
        held = sum(1 for arm in self.arms.values() if arm == "holdout")
        # 20 % of 400 is 80; five standard deviations (8 each) either way.
        self.assertGreater(held, 40)
        self.assertLess(held, 120)

    def test_a_visitor_keeps_its_arm_on_every_stream(self):
        for i in range(0, self.VISITORS, 37):
            self.assertEqual(arm_of(self.proof.port, *visitor(i)), self.arms[i])

    def test_counts_are_exact_and_the_figures_are_statsmodels(self):
        report = stats(self.proof)
        self.assertEqual(report["holdout_percent"], self.PERCENT)
        for arm in ("shown", "holdout"):
            self.assertEqual([report["arms"][arm]["visitors"], report["arms"][arm]["conversions"]],
                             self.expected[arm], arm)
        (ns, xs), (nh, xh) = self.expected["shown"], self.expected["holdout"]
        oracle = statsmodels_figures(xs, ns, xh, nh, self.PERCENT)
        for name in ("difference", "lift"):
            got = report[name]
            want = oracle[name]
            self.assertEqual(got is None, want is None, name)
            if want is not None:
                for key, value in zip(("estimate", "low", "high"), want):
                    self.assertAlmostEqual(got[key], value, delta=1e-4, msg=f"{name} {key}")
        self.assertAlmostEqual(report["visitors_needed"], oracle["visitors_needed"], delta=1)

    def test_other_beacon_kinds_are_refused_and_count_nothing(self):
        before = stats(self.proof)["arms"]
        address, agent = visitor(self.VISITORS + 1)
        for body in ({"kind": "conversion"}, {"kind": "goal"}, {"kind": "goal", "goal": "A b"},
                     {"kind": "visit", "id": 1}):
            with self.subTest(body=body):
                self.assertEqual(beacon(self.proof.port, address, agent, body), 400)
        self.assertEqual(stats(self.proof)["arms"], before)

    def test_nothing_that_identifies_a_visitor_is_in_any_file(self):
        files = [p for p in Path(self.dir.name).rglob("*") if p.is_file()]
        self.assertTrue(any(p.name == "experiment.db" for p in files), files)
        for i in range(0, self.VISITORS, 50):
            address, agent = visitor(i)
            needles = [address.encode(), agent.encode(),
                       hashlib.sha256(f"{address}\n{agent}".encode()).digest(),
                       hashlib.sha256(f"{address}\n{agent}".encode()).hexdigest().encode()]
            for path in files:
                data = path.read_bytes()
                for needle in needles:
                    self.assertNotIn(needle, data, f"{needle!r} in {path}")


class ExperimentLifeTest(unittest.TestCase):
    def test_a_restart_keeps_every_arm_and_a_new_percentage_starts_afresh(self):
        raise_fd_limit()
        with tempfile.TemporaryDirectory() as data:
            proof = Proof("--holdout", "30", "--data-dir", data)
            arms = {i: arm_of(proof.port, *visitor(i)) for i in range(60)}
            for i in range(60):
                beacon(proof.port, *visitor(i), {"kind": "visit"})
            proof.stop()
            proof = Proof("--holdout", "30", "--data-dir", data)
            self.addCleanup(proof.kill)
            self.assertEqual({i: arm_of(proof.port, *visitor(i)) for i in range(60)}, arms)
            # The same day, the same visitors: counted once across the restart.
            for i in range(60):
                beacon(proof.port, *visitor(i), {"kind": "visit"})
            report = stats(proof)
            counted = report["arms"]["shown"]["visitors"] + report["arms"]["holdout"]["visitors"]
            self.assertEqual(counted, 60)
            proof.stop()

            proof = Proof("--holdout", "10", "--data-dir", data)
            self.addCleanup(proof.kill)
            report = stats(proof)
            self.assertEqual(report["holdout_percent"], 10)
            self.assertEqual(report["arms"]["shown"]["visitors"] + report["arms"]["holdout"]["visitors"], 0)
            self.assertEqual(report["previous"]["holdout_percent"], 30)
            self.assertIn("ended", report["previous"])
            proof.stop()

            proof = Proof("--holdout", "0", "--data-dir", data)
            self.addCleanup(proof.kill)
            # Off: no arm on streams, beacons answered and not counted, the last figures kept.
            self.assertIsNone(arm_of(proof.port, *visitor(1)))
            self.assertEqual(beacon(proof.port, *visitor(1), {"kind": "goal", "goal": "x"}), 204)
            report = stats(proof)
            self.assertEqual(report["holdout_percent"], 10)
            self.assertIn("ended", report)

    def test_without_an_experiment_stats_says_null_and_beacons_count_nothing(self):
        raise_fd_limit()
        proof = Proof()
        self.addCleanup(proof.kill)
        self.assertIsNone(stats(proof))
        self.assertIsNone(arm_of(proof.port, *visitor(3)))
        self.assertEqual(beacon(proof.port, *visitor(3), {"kind": "visit"}), 204)
        self.assertIsNone(stats(proof))


@requires("redis-server")
class ExperimentOverRedisTest(unittest.TestCase):
    def test_two_instances_assign_and_count_alike(self):
        raise_fd_limit()
        redis = RedisServer(persistent=False)
        self.addCleanup(redis.close)
        url = redis.url
        first = Proof("--holdout", "25", "--redis", url)
        self.addCleanup(first.kill)
        second = Proof("--holdout", "25", "--redis", url)
        self.addCleanup(second.kill)
        for i in range(80):
            address, agent = visitor(i)
            self.assertEqual(arm_of(first.port, address, agent),
                             arm_of(second.port, address, agent), i)
            # Half the visitors come through each instance; each once more through the other.
            here, there = (first, second) if i % 2 else (second, first)
            beacon(here.port, address, agent, {"kind": "visit"})
            beacon(there.port, address, agent, {"kind": "visit"})
        for proof in (first, second):
            report = stats(proof)
            self.assertEqual(report["arms"]["shown"]["visitors"] + report["arms"]["holdout"]["visitors"], 80)
        # No key of Redis holds an address or a User-Agent.
        for key in redis.call("KEYS", "*"):
            name = key if isinstance(key, bytes) else key.encode()
            self.assertNotIn(b"127.", name)
            self.assertNotIn(b"Browser/", name)


if __name__ == "__main__":
    unittest.main()

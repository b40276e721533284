"""--data-dir: what was acknowledged survives kill -9; retention; a bad directory."""

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import PROOF_BIN, Proof, SSEClient, raise_fd_limit


class DurableHistoryTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.TemporaryDirectory(prefix="proof-data-")
        self.addCleanup(self.dir.cleanup)

    def start(self, *args, port=None):
        proof = Proof("--data-dir", self.dir.name, "--max-publish-rate", "0", *args, port=port)
        self.addCleanup(proof.kill)
        return proof

    def test_kill_9_loses_nothing_acknowledged(self):
        first = self.start()
        ids = [first.publish(user_name=f"d{i}")["id"] for i in range(30)]
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()

        second = self.start(port=first.port)
        # A browser that saw ids[9] resumes with exactly the rest, in order, once each.
        stream = SSEClient(second.port, headers={"Last-Event-ID": str(ids[9])})
        self.addCleanup(stream.close)
        got = [int(stream.next_event()["id"]) for _ in range(20)]
        self.assertEqual(got, ids[10:])
        self.assertIsNone(stream.next_event(timeout=0.3))
        # New ids continue above the old ones, and reach the resumed stream.
        new_id = second.publish(user_name="after")["id"]
        self.assertGreater(new_id, ids[-1])
        self.assertEqual(int(stream.next_event()["id"]), new_id)

    def test_replay_after_restart_comes_from_disk(self):
        first = self.start()
        ids = [first.publish(user_name=f"r{i}")["id"] for i in range(3)]
        self.assertEqual(first.stop()[0], 0)
        second = self.start()
        stream = SSEClient(second.port, "/events?replay=3")
        self.addCleanup(stream.close)
        events = [stream.next_event() for _ in range(3)]
        self.assertEqual([int(e["id"]) for e in events], ids)
        self.assertEqual([e["json"]["user_name"] for e in events], ["r0", "r1", "r2"])

    def test_retention_is_bounded_by_history(self):
        first = self.start("--history", "5")
        ids = [first.publish(user_name=f"k{i}")["id"] for i in range(200)]
        self.assertEqual(first.stop()[0], 0)
        second = self.start("--history", "5")
        stream = SSEClient(second.port, "/events?replay=100")
        self.addCleanup(stream.close)
        got = []
        while (event := stream.next_event(timeout=0.5)) is not None:
            got.append(int(event["id"]))
        self.assertEqual(got, ids[-5:])
        # The file does not keep what retention dropped.
        with sqlite3.connect(os.path.join(self.dir.name, "events.db")) as db:
            count = db.execute("SELECT count(*) FROM events").fetchone()[0]
        self.assertLessEqual(count, 5 + 64)

    def test_a_locked_store_is_a_503_within_the_platforms_5_seconds_and_the_retry_lands(self):
        secret = "whsec_durability_test"
        proof = self.start("--stripe-secret", secret)
        stream = SSEClient(proof.port)
        self.addCleanup(stream.close)
        t = str(int(time.time()))
        body = json.dumps({"id": "evt_locked", "type": "checkout.session.completed",
                           "livemode": True,
                           "data": {"object": {"id": "cs_locked", "payment_status": "paid",
                                               "payment_intent": "pi_locked"}}})
        signature = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={signature}"}
        # Another process holds both files of --data-dir locked (a backup, say).
        locks = []
        for name in ("events.db", "deliveries.db"):
            db = sqlite3.connect(os.path.join(self.dir.name, name), timeout=5,
                                 isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            locks.append(db)
        started = time.monotonic()
        status, answer_headers, answer = proof.request("POST", "/hooks/stripe", body, headers)
        took = time.monotonic() - started
        self.assertEqual(status, 503, answer)
        self.assertIn("retry-after", answer_headers)
        self.assertLess(took, 5.0)
        self.assertIsNone(stream.next_event(timeout=0.3))
        for db in locks:
            db.execute("ROLLBACK")
            db.close()
        # Stripe's retry, once the files are free: shown once.
        status, _, answer = proof.request("POST", "/hooks/stripe", body, headers)
        self.assertEqual(status, 202, answer)
        self.assertEqual(stream.next_event()["json"]["source"], "stripe")

    def test_unusable_data_dir_fails_at_start_naming_it(self):
        blocker = os.path.join(self.dir.name, "a-file")
        with open(blocker, "w") as f:
            f.write("x")
        bad = os.path.join(blocker, "sub")
        res = subprocess.run([PROOF_BIN, "--api-key", "k", "--port", "0", "--data-dir", bad],
                             capture_output=True, text=True, timeout=10)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(bad, res.stderr + res.stdout)


if __name__ == "__main__":
    unittest.main()

"""--threads N: every loop owns its share of the connections, and a user sees one server:
each stream gets every event once and in order whichever loop holds it, the live count and
the caps count the streams of every loop, and the threads stay few (at most 4 + 2 per loop
with every stream open). Run with one loop and with three."""

import json
import threading
import time
import unittest

from harness import SANITIZER, Proof, SSEClient, raise_fd_limit, threads_of

# ThreadSanitizer's runtime adds a thread of its own to the server.
SANITIZER_THREADS = 1 if SANITIZER == "thread" else 0


class LoopsTestBase:
    loops = 1

    def start(self, *args):
        raise_fd_limit()
        proof = Proof("--threads", str(self.loops), "--max-publish-rate", "0", *args)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof, path="/events", **kwargs):
        client = SSEClient(proof.port, path, **kwargs)
        self.addCleanup(client.close)
        return client

    def test_every_stream_gets_every_event_once_in_order(self):
        proof = self.start("--max-subscribers-per-ip", "0")
        streams = [self.stream(proof) for _ in range(40)]
        names = [f"n{i}" for i in range(25)]
        # Published from several connections at once, as a busy site would.
        def publish(part):
            for name in part:
                proof.publish(user_name=name)
        workers = [threading.Thread(target=publish, args=(names[i::3],)) for i in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        order = None
        for stream in streams:
            got = []
            while len(got) < len(names):
                event = stream.next_event(timeout=5)
                self.assertIsNotNone(event, f"a stream got {len(got)} of {len(names)} events")
                got.append(event)
            ids = [int(e["id"]) for e in got]
            self.assertEqual(ids, sorted(ids))
            self.assertEqual(sorted(e["json"]["user_name"] for e in got), sorted(names))
            order = order or ids
            self.assertEqual(ids, order, "two streams saw the events in different orders")
        self.assertGreaterEqual(proof.metric("proof_deliveries_total"), 40 * len(names))
        # With every stream open the threads are the loops, 4 workers and the signal thread.
        self.assertLessEqual(threads_of(proof.proc.pid), 4 + 2 * self.loops + SANITIZER_THREADS)

    def test_the_live_count_counts_the_streams_of_every_loop(self):
        proof = self.start("--max-subscribers-per-ip", "0")
        for n in range(1, 10):
            # Each new page is told the pages open now, on every loop, itself included.
            stream = self.stream(proof, "/events?presence=1&channel=mug")
            event = stream.next_event(timeout=5)
            self.assertEqual(event["event"], "presence")
            self.assertEqual(json.loads(event["data"]), {"count": n})
        self.assertEqual(proof.metric("proof_subscribers"), 9)

    def test_the_caps_count_the_streams_of_every_loop(self):
        proof = self.start("--max-subscribers", "12", "--max-subscribers-per-ip", "5")
        held = [self.stream(proof, source=f"127.0.2.{i // 5 + 1}") for i in range(12)]
        self.assertEqual([s.status for s in held], [200] * 12)
        over = self.stream(proof, source="127.0.2.9")
        self.assertEqual(over.status, 503)
        self.assertIn("retry-after", over.headers)
        held[0].close()
        # The place it left is free on whichever loop the next stream lands.
        for _ in range(100):
            again = self.stream(proof, source="127.0.2.9")
            if again.status == 200:
                break
            again.close()
            time.sleep(0.05)
        self.assertEqual(again.status, 200)
        self.assertEqual(proof.metric("proof_subscribers"), 12)

    def test_per_address_cap_across_loops(self):
        proof = self.start("--max-subscribers-per-ip", "5")
        five = [self.stream(proof, source="127.0.4.1") for _ in range(5)]
        self.assertEqual([s.status for s in five], [200] * 5)
        sixth = self.stream(proof, source="127.0.4.1")
        self.assertEqual(sixth.status, 429)
        self.assertEqual(self.stream(proof, source="127.0.4.2").status, 200)


class OneLoopTest(LoopsTestBase, unittest.TestCase):
    loops = 1


class ThreeLoopsTest(LoopsTestBase, unittest.TestCase):
    loops = 3


if __name__ == "__main__":
    unittest.main()

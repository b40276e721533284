"""GET /events against the real binary: framing, replay, resume, heartbeat, CORS, caps."""

import time
import unittest

from harness import Proof, ProofTestCase, SSEClient, raise_fd_limit


class StreamTest(ProofTestCase):
    server_args = ("--display-name", "full", "--heartbeat", "1", "--history", "5",
                   "--allowed-origin", "https://shop.example")

    def test_stream_headers_and_opening_retry(self):
        stream = self.sse()
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.headers["content-type"], "text/event-stream")
        self.assertEqual(stream.headers["cache-control"], "no-cache")
        self.assertEqual(stream.headers["x-accel-buffering"], "no")
        first = stream.next_block()
        self.assertRegex(first, r"^retry: \d+$")

    def test_each_signup_is_one_event_with_id_and_name(self):
        stream = self.sse()
        stream.next_block()
        self.proof.publish(user_name="Jane")
        block = stream.next_block()
        lines = block.split("\n")
        self.assertEqual(len(lines), 3, block)
        self.assertRegex(lines[0], r"^id: \d+$")
        self.assertEqual(lines[1], "event: signup")
        self.assertTrue(lines[2].startswith("data: {"))

    def test_ids_strictly_increase(self):
        stream = self.sse()
        for i in range(20):
            self.proof.publish(user_name=f"u{i}")
        ids = [int(stream.next_event()["id"]) for _ in range(20)]
        self.assertEqual(ids, sorted(set(ids)))

    def test_field_content_cannot_break_out_of_its_data_line(self):
        stream = self.sse()
        name = 'x"}\\n\\nid: 1\\nevent: evil'
        # Line and paragraph separators inside the text (at its ends they are white space,
        # which is trimmed) must not end the data line either.
        self.proof.publish(user_name=name, city="North\u2028\u2029Leeds")
        event = stream.next_event()
        self.assertEqual(event["event"], "signup")
        self.assertEqual(event["json"]["user_name"], name)
        self.assertEqual(event["json"]["city"], "North\u2028\u2029Leeds")
        self.assertIsNone(stream.next_event(timeout=0.3))

    def test_heartbeat_comment_on_idle_stream(self):
        stream = self.sse()
        stream.next_block()
        block = stream.next_block(timeout=3)
        self.assertEqual(block, ": heartbeat")

    def test_replay_starts_with_the_most_recent_events(self):
        ids = [self.proof.publish(user_name=f"r{i}")["id"] for i in range(3)]
        stream = self.sse("/events?replay=2")
        got = [int(stream.next_event()["id"]) for _ in range(2)]
        self.assertEqual(got, ids[-2:])
        self.assertIsNone(stream.next_event(timeout=0.3))
        live = self.proof.publish(user_name="live")["id"]
        self.assertEqual(int(stream.next_event()["id"]), live)

    def test_replay_is_capped_by_history(self):
        ids = [self.proof.publish(user_name=f"h{i}")["id"] for i in range(7)]
        stream = self.sse("/events?replay=50")
        got = [int(stream.next_event()["id"]) for _ in range(5)]
        self.assertEqual(got, ids[-5:])

    def test_new_stream_without_replay_gets_only_new_events(self):
        self.proof.publish(user_name="old")
        stream = self.sse()
        self.assertIsNone(stream.next_event(timeout=0.3))

    def test_last_event_id_header_resumes_exactly_after_it(self):
        ids = [self.proof.publish(user_name=f"l{i}")["id"] for i in range(4)]
        stream = self.sse(headers={"Last-Event-ID": str(ids[1])})
        got = [int(stream.next_event()["id"]) for _ in range(2)]
        self.assertEqual(got, ids[2:])
        self.assertIsNone(stream.next_event(timeout=0.3), "duplicate after resume")

    def test_resuming_from_before_the_history_says_events_were_missed(self):
        ids = [self.proof.publish(user_name=f"g{i}")["id"] for i in range(8)]  # history 5
        stream = self.sse(headers={"Last-Event-ID": str(ids[0])})
        gap = stream.next_event()
        self.assertEqual(gap["event"], "gap")
        self.assertEqual(gap["json"], {"last_event_id": ids[0], "oldest_id": ids[3]})
        got = [int(stream.next_event()["id"]) for _ in range(5)]
        self.assertEqual(got, ids[3:])
        # Within the history there is no such notice.
        inside = self.sse(headers={"Last-Event-ID": str(ids[5])})
        self.assertEqual(inside.next_event()["event"], "signup")

    def test_last_event_id_query_resumes_too(self):
        ids = [self.proof.publish(user_name=f"q{i}")["id"] for i in range(3)]
        stream = self.sse(f"/events?lastEventId={ids[0]}")
        got = [int(stream.next_event()["id"]) for _ in range(2)]
        self.assertEqual(got, ids[1:])

    def test_resume_at_newest_id_waits_for_live_events(self):
        newest = self.proof.publish(user_name="n")["id"]
        stream = self.sse(headers={"Last-Event-ID": str(newest)})
        self.assertIsNone(stream.next_event(timeout=0.3))
        live = self.proof.publish(user_name="n2")["id"]
        self.assertEqual(int(stream.next_event()["id"]), live)

    def test_resume_from_an_id_never_issued_still_gets_new_events(self):
        stream = self.sse(headers={"Last-Event-ID": "18446744073709551615"})
        self.assertEqual(stream.status, 200)
        live = self.proof.publish(user_name="future")["id"]
        self.assertEqual(int(stream.next_event()["id"]), live)

    def test_invalid_resume_and_replay_values_are_400(self):
        for path, headers in (("/events", {"Last-Event-ID": "abc"}),
                              ("/events?lastEventId=-1", {}),
                              ("/events?lastEventId=99999999999999999999999", {}),
                              ("/events?replay=x", {}), ("/events?replay=-3", {})):
            with self.subTest(path=path, headers=headers):
                client = self.sse(path, headers=headers)
                self.assertEqual(client.status, 400)
                self.assertIn(b"error", client.body())

    def test_listed_origin_is_echoed_with_vary(self):
        stream = self.sse(headers={"Origin": "https://shop.example"})
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.headers["access-control-allow-origin"], "https://shop.example")
        self.assertIn("Origin", stream.headers["vary"])

    def test_unlisted_origin_is_403(self):
        stream = self.sse(headers={"Origin": "https://evil.example"})
        self.assertEqual(stream.status, 403)
        # Readable by that page alone, so that the widget can say why (test_origins.py).
        self.assertEqual(stream.headers["access-control-allow-origin"], "https://evil.example")

    def test_same_origin_page_is_served(self):
        host = f"127.0.0.1:{self.proof.port}"
        stream = self.sse(headers={"Origin": f"http://{host}"})
        self.assertEqual(stream.status, 200)

    def test_no_origin_is_served(self):
        self.assertEqual(self.sse().status, 200)


class RestartTest(unittest.TestCase):
    def test_ids_keep_increasing_across_a_restart(self):
        raise_fd_limit()
        first = Proof()
        last_before = first.publish(user_name="before")["id"]
        port = first.port
        self.assertEqual(first.stop()[0], 0)
        second = Proof(port=port)
        self.addCleanup(second.kill)
        stream = SSEClient(port, headers={"Last-Event-ID": str(last_before)})
        self.addCleanup(stream.close)
        after = second.publish(user_name="after")["id"]
        self.assertGreater(after, last_before)
        event = stream.next_event()
        self.assertEqual(int(event["id"]), after)


class SubscriberCapTest(unittest.TestCase):
    def test_stream_over_the_cap_gets_503_with_retry_after(self):
        raise_fd_limit()
        proof = Proof("--max-subscribers", "3")
        self.addCleanup(proof.kill)
        streams = [SSEClient(proof.port) for _ in range(3)]
        for s in streams:
            self.addCleanup(s.close)
            self.assertEqual(s.status, 200)
        over = SSEClient(proof.port)
        self.addCleanup(over.close)
        self.assertEqual(over.status, 503)
        self.assertGreater(int(over.headers["retry-after"]), 0)
        # The others carry on, and POST and /healthz still answer.
        proof.publish(user_name="still")
        for s in streams:
            self.assertEqual(s.next_event()["json"]["user_name"], "still")
        self.assertEqual(proof.request("GET", "/healthz")[0], 200)
        # A slot freed by a client that left is taken again (reaped at the next write).
        streams[0].close()
        proof.publish(user_name="reap")
        deadline = time.monotonic() + 5
        while proof.metric("proof_subscribers") > 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        again = SSEClient(proof.port)
        self.addCleanup(again.close)
        self.assertEqual(again.status, 200)


if __name__ == "__main__":
    unittest.main()

"""GET /events?presence=1: the live count of open pages, sent when the stream opens and
when the number changes, at most once per --presence-interval, per channel or site-wide."""

import time
import unittest

from harness import Proof, SSEClient


def next_count(stream, timeout=5.0):
    """The next presence count on `stream`, skipping anything else."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = stream.next_event(max(0.0, deadline - time.monotonic()))
        if event is None:
            return None
        if event.get("event") == "presence":
            return event["json"]["count"]
    return None


def reaches(stream, expected, timeout=6.0):
    """True once `stream` is told the count is `expected` (counts on the way may differ
    when opening several pages takes longer than an interval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if next_count(stream, max(0.0, deadline - time.monotonic())) == expected:
            return True
    return False


class PresenceTest(unittest.TestCase):
    def setUp(self):
        self.proof = Proof("--presence-interval", "1", "--heartbeat", "1")
        self.addCleanup(self.proof.kill)

    def stream(self, path):
        stream = SSEClient(self.proof.port, path)
        self.addCleanup(stream.close)
        return stream

    def test_counts_rise_and_fall_as_pages_open_and_close(self):
        watcher = self.stream("/events?presence=1")
        self.assertEqual(next_count(watcher), 1)
        others = [SSEClient(self.proof.port) for _ in range(3)]
        self.assertTrue(reaches(watcher, 4))
        for other in others:
            other.close()
        self.assertTrue(reaches(watcher, 1))

    def test_a_channel_counts_its_own_pages_and_the_site_counts_all(self):
        mug = self.stream("/events?channel=mug&presence=1")
        self.assertEqual(next_count(mug), 1)
        self.stream("/events?channel=tea")
        site = self.stream("/events?presence=1")
        # reaches, not the first count: with two loops the tea page may be on the other
        # one, whose count arrives a moment later (seen with ctest -j on a busy machine).
        self.assertTrue(reaches(site, 3))
        self.stream("/events?channel=mug")
        self.assertTrue(reaches(mug, 2))

    def test_streams_without_presence_get_no_counts(self):
        plain = self.stream("/events")
        self.stream("/events?presence=1")
        self.assertIsNone(next_count(plain, timeout=2.5))

    def test_at_most_one_count_per_interval(self):
        watcher = self.stream("/events?presence=1")
        self.assertEqual(next_count(watcher), 1)
        started = time.monotonic()
        opened = [SSEClient(self.proof.port) for _ in range(5)]
        try:
            counts = []
            while time.monotonic() - started < 2.2:
                count = next_count(watcher, timeout=0.3)
                if count is not None:
                    counts.append(count)
            # Five opens within the interval are one or two notices, not five.
            self.assertLessEqual(len(counts), 2, counts)
            self.assertEqual(counts[-1], 6)
        finally:
            for stream in opened:
                stream.close()


if __name__ == "__main__":
    unittest.main()

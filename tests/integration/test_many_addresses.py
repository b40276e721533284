"""Many addresses, one server (issue 21, item 4): unfinished requests from 1,000 loopback
addresses (127.1.0.0/16, so the per-address cap never applies) fill the total connection
cap, and still a new visitor's stream, a POST and /healthz are served, every stream opened
before keeps receiving events, and the connections closed to make room are the oldest
unfinished ones, never a stream. The same policy holds with --threads 1 and with several
loops."""

import select
import socket
import time
import unittest
from urllib.parse import urlencode

from harness import API_KEY, Proof, SSEClient, raise_fd_limit, request_from

ADDRESSES = 1000
UNFINISHED = 1500   # past the cap: --max-subscribers 100 leaves 1,124 connections in all
STREAMS = 50        # opened before the crowd, from 127.0.0.2
VISITOR = "127.0.0.3"


def attacker_address(i):
    return f"127.1.{i // 250}.{i % 250 + 1}"


def ended(sock):
    """True when the server has answered or closed this connection (it is readable)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class ManyAddressesTest(unittest.TestCase):
    def crowd_at_the_cap(self, *args, exact_order):
        raise_fd_limit()
        proof = Proof("--max-subscribers", "100", "--max-publish-rate", "0", *args)
        self.addCleanup(proof.kill)
        streams = [SSEClient(proof.port, source="127.0.0.2") for _ in range(STREAMS)]
        for stream in streams:
            self.addCleanup(stream.close)
            self.assertEqual(stream.status, 200)
        # Each sends half a request head and nothing more, from one of 1,000 addresses.
        crowd = []
        self.addCleanup(lambda: [s.close() for s in crowd])
        for i in range(UNFINISHED):
            s = socket.create_connection(("127.0.0.1", proof.port), timeout=5,
                                         source_address=(attacker_address(i % ADDRESSES), 0))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            crowd.append(s)

        # A new visitor is served: /healthz, a stream, a POST whose event reaches it.
        self.assertEqual(request_from(VISITOR, proof.port, "GET", "/healthz")[0], 200)

        # The connections that went to make room are the oldest of the crowd (with several
        # loops, two made at once may pick the same loop: the order is near, not exact).
        # Another loop may still be closing the last ones it was asked to, old ones among
        # them once a newer one went first: look again a few times until the room is made
        # and the oldest are gone (under ThreadSanitizer the room was made before that;
        # with several loops one may never go, see below, and the look ends after 2.5 s).
        least = UNFINISHED - (1124 - STREAMS - 1)
        for _ in range(50):
            gone = [i for i, s in enumerate(crowd) if ended(s)]
            if len(gone) >= least and all(ended(s) for s in crowd[:200]):
                break
            time.sleep(0.05)
        self.assertGreaterEqual(len(gone), least)
        if exact_order:
            # A prefix of the crowd at least `least` (427) long: the oldest 200 among it.
            self.assertEqual(gone, list(range(len(gone))), "a newer connection went first")
        else:
            stayed = [i for i, s in enumerate(crowd[:200]) if not ended(s)]
            # A connection waits from the moment its loop reads the clock after accept4();
            # a loop's thread preempted between the two (seen under AddressSanitizer on 2
            # cores: 3 ms, while the other loops accepted 250 more) gives one connection a
            # later start than its turn, and it stays. A few, never a loop's whole share.
            self.assertLessEqual(len(stayed), 5,
                                 f"old unfinished connections stayed ({len(gone)} went): {stayed}")
        self.assertFalse(any(ended(s) for s in crowd[-300:]), "new connections went first")
        answer = crowd[0].recv(4096)
        self.assertTrue(answer == b"" or answer[:12] in (b"HTTP/1.1 503", b"HTTP/1.1 408"),
                        answer[:100])

        visitor = SSEClient(proof.port, source=VISITOR)
        self.addCleanup(visitor.close)
        self.assertEqual(visitor.status, 200)
        status, body = request_from(
            VISITOR, proof.port, "POST", "/signup",
            urlencode({"api_key": API_KEY, "user_name": "Crowded"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 202, body)
        event = visitor.next_event(timeout=5)
        self.assertIsNotNone(event)
        self.assertEqual(event["json"]["user_name"], "Crowded")

        # Every stream opened before the crowd is still open and got the event.
        for stream in streams:
            got = stream.next_event(timeout=5)
            self.assertIsNotNone(got, "a stream was closed to make room")
            self.assertEqual(got["json"]["user_name"], "Crowded")
        self.assertGreaterEqual(
            proof.metric('proof_requests_rejected_total{reason="subscriber_cap"}'), len(gone))
        self.assertEqual(proof.metric("proof_subscribers"), STREAMS + 1)

    def test_one_loop(self):
        self.crowd_at_the_cap("--threads", "1", exact_order=True)

    def test_three_loops(self):
        self.crowd_at_the_cap("--threads", "3", exact_order=False)


if __name__ == "__main__":
    unittest.main()

"""Clients that misbehave: stalled readers, greedy addresses, floods, slowloris, and a
corpus of malformed HTTP. None may take the service from the others."""

import os
import json
import re
import socket
import threading
import time
import unittest

from harness import API_KEY, SANITIZER, Proof, SSEClient, process_status, raise_fd_limit

# Memory budgets are for the release build: ASan's shadow memory and quarantine move RSS
# by tens of MB, so under a sanitizer only the behaviour is checked (and ASan checks leaks).
SANITIZED = bool(SANITIZER)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class StalledSubscriberTest(unittest.TestCase):
    def test_a_subscriber_that_stops_reading_delays_no_one_and_is_dropped(self):
        raise_fd_limit()
        proof = Proof("--max-publish-rate", "0")
        self.addCleanup(proof.kill)
        # A tiny receive window that the client never drains.
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", proof.port))
        stalled.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.addCleanup(stalled.close)
        readers = [SSEClient(proof.port) for _ in range(5)]
        for r in readers:
            self.addCleanup(r.close)

        received = {id(r): [] for r in readers}

        def read_all(reader):
            for _ in range(300):
                event = reader.next_event(timeout=10)
                if event is None:
                    return
                received[id(reader)].append(int(event["id"]))

        threads = [threading.Thread(target=read_all, args=(r,)) for r in readers]
        for t in threads:
            t.start()
        big = "/" + "x" * 2000
        started = time.monotonic()
        ids = [proof.publish(user_name=f"s{i}", img_path=big)["id"] for i in range(300)]
        for t in threads:
            t.join(timeout=30)
        for r in readers:
            self.assertEqual(received[id(r)], ids)
        self.assertLess(time.monotonic() - started, 20, "readers were held up")

        # The stalled one costs a bounded buffer and is dropped after the write timeout.
        deadline = time.monotonic() + 30
        while proof.metric("proof_subscribers_dropped_total") < 1 and time.monotonic() < deadline:
            time.sleep(0.25)
        self.assertGreaterEqual(proof.metric("proof_subscribers_dropped_total"), 1)
        self.assertEqual(proof.metric("proof_subscribers"), 5)
        if not SANITIZED:
            self.assertLess(process_status(proof.proc.pid, "VmRSS"), 64 * 1024, "RSS over 64 MB")


class PerAddressCapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        cls.proof = Proof("--max-subscribers-per-ip", "2", "--trusted-proxy", "127.0.0.4")

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()

    def stream(self, source, headers=None):
        client = SSEClient(self.proof.port, source=source, headers=headers)
        self.addCleanup(client.close)
        return client

    def test_one_address_cannot_take_every_slot(self):
        self.assertEqual(self.stream("127.0.0.2").status, 200)
        self.assertEqual(self.stream("127.0.0.2").status, 200)
        over = self.stream("127.0.0.2")
        self.assertIn(over.status, (429, 503))
        self.assertIn("retry-after", over.headers)
        self.assertEqual(self.stream("127.0.0.3").status, 200)

    def test_forwarded_for_counts_only_from_a_trusted_proxy(self):
        via_proxy = {"X-Forwarded-For": "203.0.113.7"}
        self.assertEqual(self.stream("127.0.0.4", via_proxy).status, 200)
        self.assertEqual(self.stream("127.0.0.4", via_proxy).status, 200)
        self.assertIn(self.stream("127.0.0.4", via_proxy).status, (429, 503))
        other = {"X-Forwarded-For": "203.0.113.8"}
        self.assertEqual(self.stream("127.0.0.4", other).status, 200)
        # From an untrusted peer the header is ignored: the peer's own address counts.
        spoof = {"X-Forwarded-For": "198.51.100.1"}
        self.assertEqual(self.stream("127.0.0.5", spoof).status, 200)
        self.assertEqual(self.stream("127.0.0.5", {"X-Forwarded-For": "198.51.100.2"}).status, 200)
        self.assertIn(self.stream("127.0.0.5", {"X-Forwarded-For": "198.51.100.3"}).status,
                      (429, 503))

    def test_a_slot_is_given_back_when_the_stream_ends(self):
        first = self.stream("127.0.0.6")
        self.stream("127.0.0.6")
        first.close()
        self.proof.publish(user_name="reap")  # the write that finds the closed socket
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            client = SSEClient(self.proof.port, source="127.0.0.6")
            self.addCleanup(client.close)
            if client.status == 200:
                return
            time.sleep(0.1)
        self.fail("the slot was not released")


class PublishRateTest(unittest.TestCase):
    def test_publishing_past_the_rate_gets_429_with_retry_after(self):
        proof = Proof("--max-publish-rate", "5")
        self.addCleanup(proof.kill)
        for i in range(5):
            proof.publish(user_name=f"p{i}")
        status, headers, body = proof.request(
            "POST", "/signup", f"api_key={API_KEY}&user_name=over",
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 429, body)
        self.assertIn("more than 5 signups per second", json.loads(body)["error"])
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        # Wrong keys do not use up the allowance. (Nine, more than the allowance of 5: a
        # tenth in a minute would lock the address out for guessing keys, test_attacks.)
        time.sleep(1.1)
        for _ in range(9):
            proof.publish(expect=401, api_key="wrong")
        proof.publish(user_name="allowed again")

    def test_zero_turns_the_limit_off(self):
        proof = Proof("--max-publish-rate", "0")
        self.addCleanup(proof.kill)
        for i in range(300):
            proof.publish(user_name=f"z{i}")


class RefusalLogFloodTest(unittest.TestCase):
    def test_a_flood_of_bad_requests_is_counted_in_full_but_logged_at_a_bounded_rate(self):
        proof = Proof()
        self.addCleanup(proof.kill)
        before = proof.metric('proof_requests_rejected_total{reason="bad_request"}')
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", proof.port))
        self.addCleanup(sock.close)
        # 2,000 pipelined bad requests on one keep-alive connection: each a 400.
        sock.sendall(b"GET /events?replay=x HTTP/1.1\r\nHost: a\r\n\r\n" * 2000)
        received = b""
        while received.count(b"HTTP/1.1 400") < 2000:
            chunk = sock.recv(65536)
            self.assertTrue(chunk, "the connection closed mid-flood")
            received += chunk
        elapsed = time.monotonic() - started
        after = proof.metric('proof_requests_rejected_total{reason="bad_request"}')
        self.assertEqual(after - before, 2000, "/metrics counts every refusal")

        def refusal_lines():
            return [line for line in proof.logs().splitlines() if "rejected GET /events" in line]

        logged = len(refusal_lines())
        # A burst of 50, then 20 a second: the journal gets a few dozen lines, not 2,000.
        self.assertLessEqual(logged, 50 + 20 * (elapsed + 1))
        self.assertGreater(logged, 0)
        # A second later the next refusal is logged again, and every refusal left out is
        # counted by a later line: the lines plus their "N more" notes add up to all 2,001.
        # (Which line carries the last note depends on when the bucket refilled during the
        # flood: when the flood's last request was logged, the next line has nothing to add.)
        time.sleep(1.2)
        self.assertEqual(proof.request("GET", "/events?replay=y")[0], 400)
        lines = refusal_lines()
        self.assertEqual(len(lines), logged + 1, "the refusal after a quiet second is logged")
        note = re.compile(r"\((\d+) more refusals not logged\)")
        skipped = [int(n) for line in lines for n in note.findall(line)]
        self.assertTrue(skipped, "some line says how many were left out")
        self.assertEqual(len(lines) + sum(skipped), 2001)
        self.assertEqual(proof.request("GET", "/healthz")[0], 200)


class HostileRequestsTest(unittest.TestCase):
    CORPUS = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"ffffffffffffffff\r\nabc\r\n",
        b"GET /proof.js HTTP/1.1\r\nHost: x\r\nRange: bytes=" + b"0-0," * 2000 + b"0-0\r\n\r\n",
        b"GET /proof.js HTTP/1.1\r\nHost: x\r\nRange: bytes=" + b"-" * 8000 + b"\r\n\r\n",
        b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /img/%00.svg HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1\r\nLast-Event-ID: abc\r\n\r\n",
        b"GET /events?lastEventId=1e9 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /events?replay=12abc HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /events?replay=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /events HTTP/1.1\r\nHost: x\r\nOrigin: \xff\xfe\r\n\r\n",
        b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10\r\n\r\n" + b"[" * 10,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200,  # TLS to plain HTTP
    ]

    def send(self, port, payload):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                return s.recv(4096)
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                return b""

    def test_corpus_gets_4xx_or_a_closed_connection_and_nothing_leaks(self):
        raise_fd_limit()
        proof = Proof()
        self.addCleanup(proof.kill)
        pid = proof.proc.pid
        for payload in self.CORPUS:  # warm up: first-use allocations are not leaks
            self.send(proof.port, payload)
        time.sleep(0.5)
        fds_before = open_fds(pid)
        rss_before = process_status(pid, "VmRSS")
        for round_ in range(10):
            for payload in self.CORPUS:
                with self.subTest(payload=payload[:60], round=round_):
                    answer = self.send(proof.port, payload)
                    if answer:
                        status = int(answer.split(b" ", 2)[1])
                        # 505: the one refusal of a request's HTTP version (RFC 9110 15.6.6).
                        self.assertTrue(400 <= status < 500 or status == 505, answer[:200])
                        self.assertNotIn(b"root:", answer)
                    self.assertIsNone(proof.proc.poll(), "the server died")
        status, _, _ = proof.request("GET", "/healthz")
        self.assertEqual(status, 200)
        time.sleep(0.5)
        self.assertLessEqual(open_fds(pid), fds_before + 2, "file descriptors leaked")
        if not SANITIZED:
            self.assertLess(process_status(pid, "VmRSS"), rss_before + 16 * 1024, "memory grew")

    def test_slowloris_does_not_block_health_or_new_subscribers(self):
        raise_fd_limit()
        proof = Proof()
        self.addCleanup(proof.kill)
        slow = []
        try:
            for _ in range(200):
                # From another loopback address: the per-address connection cap then guards
                # the checks below, as it guards every other client from one attacker.
                s = socket.create_connection(("127.0.0.1", proof.port),
                                             source_address=("127.0.0.2", 0))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                slow.append(s)
            started = time.monotonic()
            self.assertEqual(proof.request("GET", "/healthz", timeout=3)[0], 200)
            stream = SSEClient(proof.port, timeout=3)
            self.addCleanup(stream.close)
            self.assertEqual(stream.status, 200)
            proof.publish(user_name="through")
            self.assertEqual(stream.next_event()["json"]["user_name"], "through")
            self.assertLess(time.monotonic() - started, 3)
            # Half-sent requests are answered 408 after the request timeout; those past the
            # per-address connection cap were refused with 429 at once.
            answered = set()
            deadline = time.monotonic() + 15
            while len(answered) < len(slow) and time.monotonic() < deadline:
                for s in slow:
                    if s in answered:
                        continue
                    s.setblocking(False)
                    try:
                        data = s.recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if data:
                        self.assertTrue(data.startswith((b"HTTP/1.1 408", b"HTTP/1.1 429")),
                                        data[:100])
                    answered.add(s)
                time.sleep(0.2)
            self.assertEqual(len(answered), len(slow), "slow requests held forever")
        finally:
            for s in slow:
                s.close()


if __name__ == "__main__":
    unittest.main()

"""The event loop's handling of connections: idle ones cost no thread and are closed after
the keep-alive timeout, caps per address and in total answer at once, 100-continue is
answered once, and a stop ends every stream cleanly."""

import socket
import time
import unittest

from harness import API_KEY, Proof, SSEClient, raise_fd_limit, threads_of


def read_answer(sock, timeout=5.0):
    """Reads one complete answer with a Content-Length body."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class IdleConnectionsTest(unittest.TestCase):
    def test_idle_keep_alive_connections_cost_no_thread_and_are_closed_in_time(self):
        raise_fd_limit()
        proof = Proof("--max-subscribers-per-ip", "0")
        self.addCleanup(proof.kill)
        threads_before = threads_of(proof.proc.pid)
        idle = []
        try:
            for _ in range(2000):
                s = socket.create_connection(("127.0.0.1", proof.port))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                idle.append(s)
            for s in idle:
                self.assertIn(b"200 OK", read_answer(s))
            # 2,000 answered keep-alive connections wait in the loop, not in threads.
            self.assertEqual(threads_of(proof.proc.pid), threads_before)
            started = time.monotonic()
            self.assertEqual(proof.request("GET", "/healthz", timeout=2)[0], 200)
            self.assertLess(time.monotonic() - started, 0.5)
            # The keep-alive timeout (5 s) closes them: each reads the end of its stream.
            deadline = time.monotonic() + 10
            for s in idle:
                s.settimeout(max(0.1, deadline - time.monotonic()))
                self.assertEqual(s.recv(1), b"", "an idle connection was kept past its timeout")
        finally:
            for s in idle:
                s.close()


class CapsTest(unittest.TestCase):
    def test_connections_past_the_per_address_cap_are_refused_at_once(self):
        raise_fd_limit()
        # --max-subscribers-per-ip 2: two streams and 64 more connections per address.
        proof = Proof("--max-subscribers-per-ip", "2")
        self.addCleanup(proof.kill)
        held = []
        try:
            for _ in range(66):
                held.append(socket.create_connection(("127.0.0.1", proof.port),
                                                     source_address=("127.0.0.3", 0)))
            time.sleep(0.2)
            extra = socket.create_connection(("127.0.0.1", proof.port),
                                             source_address=("127.0.0.3", 0))
            held.append(extra)
            answer = read_answer(extra)
            self.assertTrue(answer.startswith(b"HTTP/1.1 429"), answer[:200])
            self.assertIn(b"Retry-After:", answer)
            self.assertIn(b'"error"', answer)
            # Another address is not affected.
            self.assertEqual(proof.request("GET", "/healthz")[0], 200)
            self.assertGreaterEqual(proof.metric('proof_requests_rejected_total{reason="address_cap"}'), 1)
        finally:
            for s in held:
                s.close()

    def one_stream_one_loop(self):
        """proof with --max-subscribers 1 (one stream and 1,024 more connections in all) and
        one loop: which connection makes room is exact there; across loops it is near
        (README), which test_many_addresses checks with three loops."""
        raise_fd_limit()
        proof = Proof("--max-subscribers", "1", "--max-subscribers-per-ip", "0", "--threads", "1")
        self.addCleanup(proof.kill)
        return proof

    def test_past_the_total_cap_the_connection_waiting_longest_makes_room(self):
        proof = self.one_stream_one_loop()
        held = []
        try:
            # Idle between requests first, then silent (never sent a request): all 1,025.
            for _ in range(25):
                s = socket.create_connection(("127.0.0.1", proof.port))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertIn(b"200 OK", read_answer(s))
                held.append(s)
            for _ in range(1000):
                held.append(socket.create_connection(("127.0.0.1", proof.port)))
            time.sleep(0.3)
            # A new one is served: the oldest silent connection was closed for it (a 503),
            # not one that has been answered before.
            self.assertEqual(proof.request("GET", "/healthz")[0], 200)
            first_silent = held[25]
            first_silent.settimeout(5)
            answer = first_silent.recv(4096)
            self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer[:200])
            self.assertIn(b"Retry-After:", answer)
            for s in held[:25]:
                s.settimeout(0.01)
                with self.assertRaises(socket.timeout):
                    s.recv(1)
        finally:
            for s in held:
                s.close()

    def test_past_the_total_cap_with_none_silent_the_longest_idle_makes_room(self):
        proof = self.one_stream_one_loop()
        held = []
        try:
            for _ in range(1025):
                s = socket.create_connection(("127.0.0.1", proof.port))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertIn(b"200 OK", read_answer(s))
                held.append(s)
            self.assertEqual(proof.request("GET", "/healthz")[0], 200)
            held[0].settimeout(5)
            self.assertTrue(held[0].recv(4096).startswith(b"HTTP/1.1 503"))
            held[-1].settimeout(0.01)
            with self.assertRaises(socket.timeout):
                held[-1].recv(1)
        finally:
            for s in held:
                s.close()

    def test_connections_past_the_total_cap_get_a_503_when_none_waits(self):
        raise_fd_limit()
        # 200 open files leave 136 places: streams can hold them all, and a stream is never
        # closed to make room.
        proof = Proof("--max-subscribers", "1000", "--max-subscribers-per-ip", "0",
                      wrapper=("prlimit", "--nofile=200:200"))
        self.addCleanup(proof.kill)
        streams = []
        try:
            while True:
                stream = SSEClient(proof.port)
                streams.append(stream)
                if stream.status != 200:
                    break
            self.assertEqual(stream.status, 503)
            self.assertGreater(len(streams), 100)
            self.assertIn(b'"error"', stream.body())
            # Every stream admitted is still open.
            for open_stream in streams[:-1]:
                self.assertFalse(open_stream.wait_closed(timeout=0.01))
        finally:
            for s in streams:
                s.close()
        # Once they are gone, the server answers again.
        time.sleep(0.3)
        self.assertEqual(proof.request("GET", "/healthz")[0], 200)


class ExpectContinueTest(unittest.TestCase):
    def test_a_client_waiting_for_100_continue_gets_it_once_then_its_answer(self):
        proof = Proof()
        self.addCleanup(proof.kill)
        body = f"api_key={API_KEY}&user_name=Patient".encode()
        with socket.create_connection(("127.0.0.1", proof.port)) as s:
            s.sendall(b"POST /signup HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            s.settimeout(5)
            interim = s.recv(4096)
            self.assertEqual(interim, b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(body)
            answer = read_answer(s)
            self.assertTrue(answer.startswith(b"HTTP/1.1 202"), answer[:200])
            self.assertNotIn(b"100 Continue", answer)


class StopTest(unittest.TestCase):
    def test_stop_ends_every_stream_cleanly_within_a_second(self):
        raise_fd_limit()
        proof = Proof("--max-subscribers-per-ip", "0")
        streams = [SSEClient(proof.port) for _ in range(200)]
        try:
            code, seconds = proof.stop()
            self.assertEqual(code, 0)
            self.assertLess(seconds, 1.0)
            for stream in streams:
                # The chunked body ends with its last chunk, not a cut connection.
                self.assertTrue(stream.wait_closed(timeout=2))
                self.assertTrue(stream.raw.endswith(b"0\r\n\r\n"), stream.raw[-40:])
        finally:
            for stream in streams:
                stream.close()


if __name__ == "__main__":
    unittest.main()

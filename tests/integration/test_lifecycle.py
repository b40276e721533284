"""Many streams at once, bursts of connections, and a clean stop."""

import selectors
import signal
import socket
import time
import unittest

from harness import Proof, SSEClient, raise_fd_limit


def open_raw_streams(port, count):
    """Opens `count` streams without waiting on each; returns the sockets."""
    socks = []
    request = (f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        s.setblocking(False)
        socks.append(s)
    return socks


def wait_for_all(socks, needle, timeout):
    """Reads every socket until its data contains `needle`; returns how many did."""
    sel = selectors.DefaultSelector()
    buffers = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        buffers[s] = b""
    done = 0
    deadline = time.monotonic() + timeout
    while done < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            buffers[s] += data
            if needle in buffers[s] or not data:
                if needle in buffers[s]:
                    done += 1
                sel.unregister(s)
    sel.close()
    return done


class ManySubscribersTest(unittest.TestCase):
    COUNT = 2000

    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        # All of them come from 127.0.0.1: lift the per-address cap for this test.
        cls.proof = Proof("--max-subscribers-per-ip", "0")

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()

    def test_2000_concurrent_subscribers_each_receive_the_event(self):
        socks = open_raw_streams(self.proof.port, self.COUNT)
        try:
            deadline = time.monotonic() + 20
            while (self.proof.metric("proof_subscribers") < self.COUNT
                   and time.monotonic() < deadline):
                time.sleep(0.1)
            self.assertEqual(self.proof.metric("proof_subscribers"), self.COUNT)

            # With every stream holding a thread, the rest still answers promptly.
            started = time.monotonic()
            self.assertEqual(self.proof.request("GET", "/healthz", timeout=5)[0], 200)
            self.assertEqual(self.proof.request("GET", "/metrics", timeout=5)[0], 200)
            event_id = self.proof.publish(user_name="Everyone")["id"]
            self.assertLess(time.monotonic() - started, 5)

            needle = f"id: {event_id}\n".encode()
            self.assertEqual(wait_for_all(socks, needle, timeout=30), self.COUNT)
        finally:
            for s in socks:
                s.close()

    def test_burst_of_connections_beyond_the_librarys_backlog(self):
        # 1000 connects at once: with cpp-httplib's backlog of 5, dozens hang.
        count = 1000
        socks = []
        try:
            for _ in range(count):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", self.proof.port))
                socks.append(s)
            sel = selectors.DefaultSelector()
            for s in socks:
                sel.register(s, selectors.EVENT_WRITE)
            connected = 0
            deadline = time.monotonic() + 10
            while connected < count and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=0.5):
                    if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                        connected += 1
                    sel.unregister(key.fileobj)
            sel.close()
            self.assertEqual(connected, count)
            # Every one of them is then served.
            for s in socks:
                s.setblocking(True)
                s.settimeout(10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answered = sum(1 for s in socks if s.recv(64).startswith(b"HTTP/1.1 200"))
            self.assertEqual(answered, count)
        finally:
            for s in socks:
                s.close()


class ShutdownTest(unittest.TestCase):
    def check_stop(self, sig):
        raise_fd_limit()
        proof = Proof()
        streams = [SSEClient(proof.port) for _ in range(50)]
        try:
            for s in streams:
                self.assertEqual(s.status, 200)
            code, seconds = proof.stop(sig)
            self.assertEqual(code, 0)
            self.assertLess(seconds, 1.0)
            for s in streams:
                self.assertTrue(s.wait_closed(timeout=2), "a stream stayed open")
        finally:
            for s in streams:
                s.close()
            proof.kill()

    def test_sigterm_closes_every_stream_and_exits_0_within_a_second(self):
        self.check_stop(signal.SIGTERM)

    def test_sigint_too(self):
        self.check_stop(signal.SIGINT)

    def test_stop_with_a_half_sent_request_pending(self):
        raise_fd_limit()
        proof = Proof()
        slow = socket.create_connection(("127.0.0.1", proof.port))
        try:
            slow.sendall(b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
            time.sleep(0.2)
            code, seconds = proof.stop()
            self.assertEqual(code, 0)
            self.assertLess(seconds, 1.5)
        finally:
            slow.close()
            proof.kill()


class StartupTest(unittest.TestCase):
    def test_no_api_key_fails_with_a_hint(self):
        import subprocess
        from harness import PROOF_BIN
        env = {"PATH": "/usr/bin:/bin"}
        res = subprocess.run([PROOF_BIN, "--port", "0"], capture_output=True, text=True, env=env,
                             timeout=10)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("--api-key", res.stderr)
        self.assertIn("PROOF_API_KEY", res.stderr)

    def test_key_from_environment(self):
        proof = Proof(api_key=None, env={"PROOF_API_KEY": "from-env"})
        try:
            proof.publish(api_key="from-env", user_name="env")
        finally:
            proof.kill()

    def test_config_file_with_unknown_key_names_it(self):
        import subprocess
        import tempfile
        from harness import PROOF_BIN
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
            conf.write('api-key = "k"\nhistroy = 5\n')
            conf.flush()
            res = subprocess.run([PROOF_BIN, "--config", conf.name], capture_output=True,
                                 text=True, timeout=10)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("histroy", res.stderr + res.stdout)

    def test_flags_override_the_config_file(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
            conf.write('api-key = "file-key"\nheartbeat = 1\n')
            conf.flush()
            proof = Proof("--config", conf.name, api_key="flag-key")
            try:
                proof.publish(api_key="flag-key", user_name="f")
                proof.publish(expect=401, api_key="file-key", user_name="f")
                stream = SSEClient(proof.port)
                stream.next_block()
                self.assertEqual(stream.next_block(timeout=3), ": heartbeat")  # from the file
                stream.close()
            finally:
                proof.kill()


if __name__ == "__main__":
    unittest.main()

"""Request heads are read strictly before anything is dispatched (issue 9's hostile table):
a flood of headers is a 431 that costs no memory, pipelined requests are all answered in
order, smuggling-shaped and malformed heads are refused with the right status and a JSON
error, and an HTTP/1.0 stream is close-delimited. After every refusal the server still
answers everyone else."""

import json
import select
import socket
import time
import unittest

from harness import SANITIZER, Proof, SSEClient, process_status, raise_fd_limit

# The memory budget is the release build's (and holds under ASan, whose reads here go to
# the same fixed buffers). Under TSan the RSS counts TSan's own shadow, sync metadata and
# trace memory, which every access the floods make grows: measured on a unity TSan build,
# 790-890 kB of a 1,040-1,140 kB growth lay in those ranges and ~330 kB in its heap. So
# under TSan the floods' behaviour is checked, as in test_hostile, and not their RSS.
RSS_MEASURED = SANITIZER != "thread"


def read_until_closed(sock, timeout=10.0):
    """Everything the server sends until it closes (or `timeout` passes)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def parse_responses(data):
    """Splits a byte stream of HTTP/1.1 responses: a list of (status, headers, body)."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"a truncated response head: {data[:200]!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                body += rest[:size]
                rest = rest[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            body, rest = rest[:length], rest[length:]
        responses.append((status, headers, body))
        data = rest
    return responses


def exchange(port, payload, timeout=10.0):
    """Sends one raw request and returns the first response (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
            try:
                responses = parse_responses(data)
            except (AssertionError, ValueError, IndexError):
                continue  # not all of it yet
            if responses and len(responses[0][2]) >= int(
                    responses[0][1].get("content-length", "0")):
                return responses[0]
        raise AssertionError(f"no complete answer to {payload[:80]!r}: got {data[:300]!r}")


def flood_headers(port, total_bytes, chunk_bytes=256 * 1024):
    """Sends one GET whose header lines go on for `total_bytes`, stopping as soon as the
    server answers or the socket fails; returns (bytes sent, what the server said)."""
    line = b"X-Flood: " + b"a" * 80 + b"\r\n"
    chunk = line * (chunk_bytes // len(line))
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            while sent < total_bytes:
                readable, _, _ = select.select([s], [], [], 0)
                if readable:
                    break  # the server has answered (or closed): stop sending
                s.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        answer = read_until_closed(s, timeout=5)
    return sent, answer


class StrictHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise_fd_limit()
        cls.proof = Proof("--max-publish-rate", "0", "--display-name", "full")

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()

    def assert_still_serving(self):
        self.assertIsNone(self.proof.proc.poll(), "the server died")
        status, _, body = self.proof.request("GET", "/healthz", timeout=5)
        self.assertEqual(status, 200, body)

    def assert_refused(self, payload, status):
        answer_status, headers, body = exchange(self.proof.port, payload)
        self.assertEqual(answer_status, status, body[:300])
        self.assertIn("application/json", headers.get("content-type", ""), headers)
        message = json.loads(body)["error"]
        self.assertIsInstance(message, str)
        self.assertTrue(message, "an empty error message")
        self.assert_still_serving()

    def test_ten_megabytes_of_headers_is_a_431(self):
        sent, answer = flood_headers(self.proof.port, 10 * 1024 * 1024)
        self.assertTrue(answer.startswith(b"HTTP/1.1 431 "), answer[:200])
        self.assertIn(b'"error"', answer)
        # Refused as soon as the head passed its limit, not after reading it all.
        self.assertLess(sent, 10 * 1024 * 1024, "the server read the whole flood")
        self.assert_still_serving()

    def test_four_floods_of_100_megabytes_of_headers_cost_no_memory(self):
        pid = self.proof.proc.pid
        flood_headers(self.proof.port, 64 * 1024)  # first use of the refusal path
        time.sleep(0.3)
        before = process_status(pid, "VmRSS")
        for _ in range(4):
            _, answer = flood_headers(self.proof.port, 100 * 1024 * 1024)
            self.assertTrue(answer.startswith(b"HTTP/1.1 431 "), answer[:200])
        time.sleep(0.3)
        grown = process_status(pid, "VmRSS") - before
        print(f"\nRSS over four 100 MB header floods: {before} kB -> +{grown} kB")
        if RSS_MEASURED:
            self.assertLess(grown, 1024, f"RSS grew by {grown} kB")
        self.assert_still_serving()

    def test_fifty_pipelined_requests_in_one_write_are_answered_in_order(self):
        requests = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 49
        requests += b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        with socket.create_connection(("127.0.0.1", self.proof.port), timeout=10) as s:
            s.sendall(requests)
            responses = parse_responses(read_until_closed(s))
        self.assertEqual(len(responses), 50)
        for status, _, body in responses:
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body)["status"], "ok")
        self.assert_still_serving()

    def test_pipelined_requests_of_different_kinds_keep_their_order(self):
        # /healthz, a missing file, and a POST with a body, interleaved: the answers must
        # come back in the order asked, and each body must be read as exactly its length.
        kinds = []
        requests = b""
        for i in range(30):
            if i % 3 == 0:
                requests += b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                kinds.append(200)
            elif i % 3 == 1:
                requests += f"GET /no-such-file-{i}.txt HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                kinds.append(404)
            else:
                body = b'{"user_name": "x"}'  # no api key: refused, after the body is read
                requests += (b"POST /signup HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/json\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                kinds.append(401)
        requests += b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        kinds.append(200)
        # From an address of its own: its ten missing keys are as many as one address may
        # send in a minute before it is locked out for guessing (test_attacks).
        with socket.create_connection(("127.0.0.1", self.proof.port), timeout=10,
                                      source_address=("127.0.0.77", 0)) as s:
            s.sendall(requests)
            responses = parse_responses(read_until_closed(s))
        self.assertEqual([status for status, _, _ in responses], kinds)

    def test_content_length_with_transfer_encoding_is_a_400(self):
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)

    def test_two_different_content_lengths_are_a_400(self):
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
            b"\r\nhello!", 400)

    def test_a_signed_content_length_is_a_400(self):
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400)

    def test_http11_without_host_is_a_400(self):
        self.assert_refused(b"GET /healthz HTTP/1.1\r\n\r\n", 400)

    def test_a_nul_in_a_header_value_is_a_400(self):
        self.assert_refused(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing: a\x00b\r\n\r\n", 400)

    def test_an_unknown_expectation_is_a_417(self):
        self.assert_refused(b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417)

    def test_a_body_over_16_kib_is_a_413_before_it_is_sent(self):
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Length: 16385\r\n\r\n", 413)

    def test_other_malformed_heads_get_their_status(self):
        # Beyond the table: the rest of request_head's rules, seen from a client.
        for payload, status in [
            (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            (b"POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            (b"GET /healthz HTTP/1.1\nHost: x\n\n", 400),  # bare LF line ends
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),  # folding
            (b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400),  # space before the colon
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
            (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-N: v\r\n" * 150 + b"\r\n", 431),
        ]:
            with self.subTest(payload=payload[:60]):
                self.assert_refused(payload, status)

    def test_a_chunked_body_ends_where_its_framing_says(self):
        # A chunked POST (a chunk extension included) followed by a pipelined GET in the
        # same write: both answered, so the body's end was found exactly. (No trailer
        # fields: the loop frames them, but cpp-httplib 0.11.4 answers them with a 400.)
        body = b'{"user_name": "Chunk"}'
        requests = (b"POST /signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                    + f"{len(body) - 5:x};ext=1\r\n".encode() + body[:-5] + b"\r\n"
                    + b"5\r\n" + body[-5:] + b"\r\n0\r\n\r\n"
                    + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        with socket.create_connection(("127.0.0.1", self.proof.port), timeout=10) as s:
            s.sendall(requests)
            responses = parse_responses(read_until_closed(s))
        self.assertEqual([status for status, _, _ in responses], [401, 200])  # no API key
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nabc\r\n", 400)
        self.assert_refused(
            b"POST /signup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"4001\r\n", 413)

    def test_http10_get_events_is_a_close_delimited_stream(self):
        s = socket.create_connection(("127.0.0.1", self.proof.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /events HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n")
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = s.recv(65536)
            self.assertTrue(chunk, "closed before the head")
            raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.assertEqual(lines[0].split(" ")[1], "200", head)
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:])}
        self.assertTrue(headers.get("content-type", "").startswith("text/event-stream"), head)
        self.assertNotIn("transfer-encoding", headers, head)
        self.assertNotIn("content-length", headers, head)
        self.assertEqual(headers.get("connection", "").lower(), "close", head)

        published = self.proof.publish(user_name="Plain Tenzing")
        deadline = time.monotonic() + 5
        while b"Plain Tenzing" not in body and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            self.assertTrue(chunk, "the stream closed")
            body += chunk
        text = body.decode()
        # Plain SSE text: blocks of field lines, no chunk-size lines between them.
        blocks = [b for b in text.split("\n\n") if b.strip()]
        event_blocks = [b for b in blocks if "Plain Tenzing" in b]
        self.assertEqual(len(event_blocks), 1, text)
        fields = dict(line.split(": ", 1) for line in event_blocks[0].split("\n")
                      if not line.startswith(":"))
        self.assertEqual(fields["id"], str(published["id"]))
        self.assertEqual(json.loads(fields["data"])["user_name"], "Plain Tenzing")
        for block in blocks:
            for line in block.split("\n"):
                self.assertTrue(line.startswith((":", "id:", "event:", "data:", "retry:")),
                                f"not an SSE line: {line!r}")
        self.assert_still_serving()

    def test_http11_streams_are_still_chunked(self):
        stream = SSEClient(self.proof.port)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        self.assertTrue(stream.chunked)
        self.proof.publish(user_name="Chunked Norgay")
        self.assertEqual(stream.next_event()["json"]["user_name"], "Chunked Norgay")


if __name__ == "__main__":
    unittest.main()

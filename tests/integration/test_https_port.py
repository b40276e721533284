"""HTTPS that renews itself, from the outside: --http-port serves ACME challenges from
--acme-webroot and nothing else (no "..", hidden name, link out of the webroot, or name
that is not base64url reads a file), answers everything else with a 308 to HTTPS, and is as
strict as the HTTPS port; SIGHUP loads a new certificate for new connections while an open
stream keeps receiving, and a broken new pair is refused with a log line while the old one
serves on; /metrics and /healthz tell when the certificate expires; check-config refuses
settings that cannot work."""

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harness import API_KEY, PROOF_BIN, PUBLIC_DIR, Proof, SSEClient, free_port
from tools import requires

TOKEN = "tVDcSLb3Vo2wNYZ0k_kcJ9Ae-xbzt3UqBLYSjyPvG1c"
NAME = "proof.test"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pair(directory, name, days):
    """A self-signed certificate for NAME whose subject is `name`; (cert, key) paths."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", str(days), "-subj", "/CN=" + name,
            "-addext", f"subjectAltName=DNS:{NAME},IP:127.0.0.1", "-keyout", key, "-out", cert)
    return cert, key


def not_after(cert):
    """The certificate's expiry in seconds since the epoch, as openssl reads it."""
    text = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", cert], check=True,
                          capture_output=True, text=True).stdout
    return int(ssl.cert_time_to_seconds(text.strip().split("=", 1)[1]))


def der(cert):
    with open(cert) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def client_context():
    """What matters here is which certificate is served, not who trusts it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def served(port):
    """The certificate a new connection to `port` is shown, DER."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with client_context().wrap_socket(raw, server_hostname=NAME) as tls:
            return tls.getpeercert(binary_form=True)


def plain(port, raw_request, timeout=5):
    """Sends bytes on a fresh connection to `port`; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw_request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def get(port, path, method="GET", host=NAME, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@requires("openssl")
class HttpPortTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="proof-http-port-")
        d = cls.dir.name
        cls.cert, cls.key = make_pair(d, "first", 2)
        cls.webroot = os.path.join(d, "webroot")
        challenges = os.path.join(cls.webroot, ".well-known", "acme-challenge")
        os.makedirs(challenges)
        with open(os.path.join(challenges, TOKEN), "w") as f:
            f.write(TOKEN + ".thumbprint")
        with open(os.path.join(d, "secret"), "w") as f:
            f.write("outside the webroot")
        with open(os.path.join(challenges, ".hidden"), "w") as f:
            f.write("a hidden file")
        with open(os.path.join(challenges, "dotted.name"), "w") as f:
            f.write("not a token's name")
        with open(os.path.join(cls.webroot, "beside"), "w") as f:
            f.write("in the webroot, not a challenge")
        os.symlink(os.path.join(d, "secret"), os.path.join(challenges, "linked"))
        os.mkdir(os.path.join(challenges, "directory"))
        cls.http_port = free_port()
        cls.proof = Proof("--tls-cert", cls.cert, "--tls-key", cls.key,
                          "--http-port", str(cls.http_port), "--acme-webroot", cls.webroot,
                          "--stripe-secret", "whsec_plain_port_test", tls=client_context())

    @classmethod
    def tearDownClass(cls):
        cls.proof.kill()
        cls.dir.cleanup()

    def test_a_challenge_is_served_from_the_webroot(self):
        status, headers, body = get(self.http_port, "/.well-known/acme-challenge/" + TOKEN)
        self.assertEqual((status, body), (200, (TOKEN + ".thumbprint").encode()))
        self.assertEqual(headers["cache-control"], "no-store")
        status, headers, body = get(self.http_port, "/.well-known/acme-challenge/" + TOKEN,
                                    method="HEAD")
        self.assertEqual((status, body, headers["content-length"]),
                         (200, b"", str(len(TOKEN + ".thumbprint"))))
        status, headers, _ = get(self.http_port, "/.well-known/acme-challenge/" + TOKEN,
                                 method="POST", body="x")
        self.assertEqual((status, headers["allow"]), (405, "GET, HEAD"))

    def test_nothing_else_under_the_webroot_or_outside_it_is_served(self):
        for path in ("/.well-known/acme-challenge/missing",
                     "/.well-known/acme-challenge/",
                     "/.well-known/acme-challenge/.hidden",
                     "/.well-known/acme-challenge/dotted.name",
                     "/.well-known/acme-challenge/linked",
                     "/.well-known/acme-challenge/directory",
                     "/.well-known/acme-challenge/../../secret",
                     "/.well-known/acme-challenge/..%2F..%2Fsecret",
                     "/.well-known/acme-challenge/%2e%2e",
                     "/.well-known/acme-challenge/" + TOKEN + "/x"):
            with self.subTest(path=path):
                status, headers, body = get(self.http_port, path)
                self.assertEqual(status, 404)
                self.assertEqual(json.loads(body), {"error": "no such ACME challenge"})
                self.assertNotIn(b"outside", body)
        # The rest of the webroot is not a file tree: it redirects like any other path.
        status, headers, _ = get(self.http_port, "/beside")
        self.assertEqual(status, 308)

    def test_everything_else_is_redirected_to_the_same_url_over_https(self):
        port = self.proof.port
        status, headers, body = get(self.http_port, "/events?channel=shop&x=1",
                                    host=f"{NAME}:{self.http_port}")
        self.assertEqual(status, 308)
        self.assertEqual(headers["location"], f"https://{NAME}:{port}/events?channel=shop&x=1")
        # A POST too (308 keeps the method and body), and the widget.
        status, headers, _ = get(self.http_port, "/signup", method="POST", body="a=b",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, headers["location"]), (308, f"https://{NAME}:{port}/signup"))
        status, headers, _ = get(self.http_port, "/proof.js", host="127.0.0.1")
        self.assertEqual(headers["location"], f"https://127.0.0.1:{port}/proof.js")
        # The redirect goes where it says: the HTTPS port answers it.
        status, _, body = self.proof.request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_a_host_that_would_bend_the_redirect_is_refused(self):
        for host in ("evil.example/x", "user@evil.example", "a b", "[::1"):
            with self.subTest(host=host):
                status, headers, body = get(self.http_port, "/", host=host)
                self.assertEqual(status, 400)
                self.assertNotIn("location", headers)
                self.assertIn("Host header", json.loads(body)["error"])
        # HTTP/1.0 may leave Host out: there is no name to send it to.
        status, _, body = plain(self.http_port, b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(status, 400)

    def test_the_plain_port_is_as_strict_as_the_https_one(self):
        # The loop's own parser: a bare LF, two Hosts, a body over the usual limit.
        status, _, _ = plain(self.http_port, b"GET / HTTP/1.1\nHost: a\n\n")
        self.assertEqual(status, 400)
        status, _, _ = plain(self.http_port,
                             b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        self.assertEqual(status, 400)
        # /hooks/ takes large bodies on HTTPS; on the plain port nothing does, so it is
        # refused before it is read, and not counted as a delivery Stripe sent.
        status, _, _ = plain(self.http_port,
                             b"POST /hooks/stripe HTTP/1.1\r\nHost: a\r\n"
                             b"Content-Length: 300000\r\n\r\n")
        self.assertEqual(status, 413)
        _, _, body = self.proof.request("GET", "/metrics")
        self.assertNotRegex(body.decode(),
                            r'proof_source_deliveries_total\{source="stripe",outcome="too_large"\} [1-9]')

    def test_the_certificate_expiry_is_in_metrics_and_healthz(self):
        _, _, body = self.proof.request("GET", "/metrics")
        lines = [line for line in body.decode().splitlines()
                 if line.startswith("proof_tls_certificate_expiry_timestamp_seconds ")]
        self.assertEqual(len(lines), 1, body)
        self.assertEqual(int(float(lines[0].split()[1])), not_after(self.cert))
        # Two days left: degraded, and still 200, so that a balancer keeps it.
        status, _, body = self.proof.request("GET", "/healthz")
        self.assertEqual(status, 200)
        answer = json.loads(body)
        self.assertEqual(answer["status"], "degraded")
        self.assertIn("tls certificate expires at ", answer["reason"])


@requires("openssl")
class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="proof-reload-")
        self.addCleanup(self.dir.cleanup)
        d = self.dir.name
        # Where the server reads its pair; each renewal below copies new contents in.
        self.cert, self.key = os.path.join(d, "fullchain.pem"), os.path.join(d, "privkey.pem")
        self.first = make_pair(d, "first", 2)
        self.second = make_pair(d, "second", 90)
        self.install(*self.first)
        self.proof = Proof("--tls-cert", self.cert, "--tls-key", self.key, tls=client_context())
        self.addCleanup(self.proof.kill)

    def install(self, cert, key):
        for source, target in ((cert, self.cert), (key, self.key)):
            with open(source, "rb") as f, open(target + ".new", "wb") as out:
                out.write(f.read())
            os.replace(target + ".new", target)

    def wait_for_log(self, text, timeout=5):
        deadline = time.monotonic() + timeout
        while text not in self.proof.logs():
            if time.monotonic() > deadline:
                self.fail(f"{text!r} was not logged:\n{self.proof.logs()}")
            time.sleep(0.05)

    def event(self, stream, offer):
        self.proof.publish(user_name="Re Load", offer_name=offer)
        event = stream.next_event(timeout=5)
        self.assertIsNotNone(event, f"the open stream did not receive {offer!r}")
        self.assertEqual(event["json"]["offer_name"], offer)

    def test_sighup_gives_new_connections_the_new_certificate_and_keeps_streams(self):
        self.assertEqual(served(self.proof.port), der(self.first[0]))
        stream = SSEClient(self.proof.port, tls=client_context())
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        self.event(stream, "Before")

        self.install(*self.second)
        self.proof.proc.send_signal(signal.SIGHUP)
        self.wait_for_log("reload: new connections get the TLS certificate")
        self.assertEqual(served(self.proof.port), der(self.second[0]))
        self.event(stream, "After")
        # The expiry follows, and 90 days left is no reason to worry.
        self.assertEqual(int(self.proof.metric("proof_tls_certificate_expiry_timestamp_seconds")),
                         not_after(self.second[0]))
        status, _, body = self.proof.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ok")
        self.assertNotIn("reason", json.loads(body))
        self.assertIsNone(self.proof.proc.poll())

    def test_sighup_with_a_broken_pair_keeps_the_old_one_and_says_why(self):
        stream = SSEClient(self.proof.port, tls=client_context())
        self.addCleanup(stream.close)
        # Half a renewal: the new certificate beside the old key.
        self.install(self.second[0], self.first[1])
        self.proof.proc.send_signal(signal.SIGHUP)
        self.wait_for_log("reload: kept the TLS certificate in use: the TLS private key in "
                          f"{self.key} does not match the certificate in {self.cert}")
        self.assertEqual(served(self.proof.port), der(self.first[0]))
        # Not PEM at all.
        with open(self.cert, "w") as f:
            f.write("not a certificate\n")
        self.proof.proc.send_signal(signal.SIGHUP)
        self.wait_for_log("reload: kept the TLS certificate in use: cannot load the TLS "
                          f"certificate chain from {self.cert}")
        self.assertEqual(served(self.proof.port), der(self.first[0]))
        self.event(stream, "Still here")
        self.assertEqual(int(self.proof.metric("proof_tls_certificate_expiry_timestamp_seconds")),
                         not_after(self.first[0]))
        # Repaired: the next SIGHUP takes it.
        self.install(*self.second)
        self.proof.proc.send_signal(signal.SIGHUP)
        self.wait_for_log("reload: new connections get the TLS certificate")
        self.assertEqual(served(self.proof.port), der(self.second[0]))


@requires("openssl")
class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="proof-http-port-config-")
        self.addCleanup(self.dir.cleanup)
        self.cert, self.key = make_pair(self.dir.name, "pair", 2)

    def check_config(self, *args):
        result = subprocess.run([PROOF_BIN, "check-config", "--api-key", API_KEY,
                                 "--public-dir", PUBLIC_DIR, *args],
                                capture_output=True, text=True, timeout=30)
        return result.returncode, result.stdout + result.stderr

    def test_settings_that_cannot_work_are_refused(self):
        tls = ("--tls-cert", self.cert, "--tls-key", self.key)
        code, out = self.check_config("--http-port", "8080")
        self.assertEqual(code, 2, out)
        self.assertIn("--http-port: needs --tls-cert and --tls-key too", out)
        code, out = self.check_config(*tls, "--port", "8443", "--http-port", "8443")
        self.assertEqual(code, 2, out)
        self.assertIn("--http-port: 8443 is the HTTPS --port too; give each its own", out)
        missing = os.path.join(self.dir.name, "missing")
        code, out = self.check_config(*tls, "--http-port", "8080", "--acme-webroot", missing)
        self.assertEqual(code, 2, out)
        self.assertIn(f"--acme-webroot: '{missing}' is not a directory", out)
        code, out = self.check_config(*tls, "--acme-webroot", self.dir.name)
        self.assertEqual(code, 0, out)
        self.assertIn("acme-webroot has no effect without http-port", out)
        code, out = self.check_config(*tls, "--http-port", "8080", "--acme-webroot",
                                      self.dir.name)
        self.assertEqual(code, 0, out)
        self.assertIn("http-port = 8080", out)
        self.assertIn(f'acme-webroot = "{self.dir.name}"', out)


if __name__ == "__main__":
    unittest.main()

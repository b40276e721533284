"""Redis over TLS the Debian way: a redis-server that speaks only TLS (with a certificate this
test makes with openssl), reached through a real stunnel4 client run with
docs/stunnel-redis.conf as the deployment guide gives it; proof itself speaks plain RESP to
the tunnel on loopback. A tunnel that cannot verify the server lets nothing through."""

import re
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import ROOT, Proof, SSEClient, free_port, raise_fd_limit
from tools import requires
from test_redis import REDIS, RedisClient, RedisError, names, read_events

STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")
OPENSSL = shutil.which("openssl")
PASSWORD = "tls-test-pw-4be1"


def make_certificates(directory):
    """A CA, and a server certificate it signs for localhost and 127.0.0.1."""
    d = Path(directory)

    def openssl(*args):
        subprocess.run([OPENSSL, *args], check=True, capture_output=True, cwd=d)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=proof test CA", "-keyout", "ca.key", "-out", "ca.crt")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
            "redis.key", "-out", "redis.csr")
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "redis.crt")


def tunnel_config(accept, connect, ca_file, host):
    """docs/stunnel-redis.conf with this machine's values: the guide's file, not a copy."""
    text = (ROOT / "docs" / "stunnel-redis.conf").read_text()
    values = {"accept": f"127.0.0.1:{accept}", "connect": f"127.0.0.1:{connect}",
              "CAfile": ca_file, "checkHost": host, "sni": host}
    for key, value in values.items():
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        assert count == 1, f"docs/stunnel-redis.conf has no single '{key} =' line"
    # The test runs unprivileged where it can: no user to switch to.
    return re.sub(r"^set[ug]id = .*$", "", text, flags=re.M)


def wait_port(port, timeout=10.0):
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@requires("redis-server", "stunnel4", "openssl")
class RedisTlsTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.mkdtemp(prefix="proof-redis-tls-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        make_certificates(self.dir)
        self.tls_port = free_port()
        d = Path(self.dir)
        # TLS only: the plain port is off.
        self.start([REDIS, "--port", "0", "--tls-port", str(self.tls_port), "--bind",
                    "127.0.0.1", "--tls-cert-file", str(d / "redis.crt"), "--tls-key-file",
                    str(d / "redis.key"), "--tls-ca-cert-file", str(d / "ca.crt"),
                    "--tls-auth-clients", "no", "--requirepass", PASSWORD, "--save", "",
                    "--appendonly", "no", "--dir", self.dir])
        wait_port(self.tls_port)

    def start(self, command):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def stop():
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        self.addCleanup(stop)
        return proc

    def tunnel(self, host):
        port = free_port()
        config = Path(self.dir) / f"tunnel-{port}.conf"
        config.write_text(tunnel_config(port, self.tls_port, str(Path(self.dir) / "ca.crt"), host))
        self.start([STUNNEL, str(config)])
        wait_port(port)
        return port

    def test_proof_shares_events_through_the_tunnel_to_a_tls_only_redis(self):
        port = self.tunnel("localhost")
        # The tunnel is real: plain RESP in, TLS out, the password checked by Redis.
        client = RedisClient(port, password=PASSWORD)
        self.assertEqual(client.call("PING"), "PONG")
        client.close()

        url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
        a, b = Proof("--redis", url), Proof("--redis", url)
        self.addCleanup(a.kill)
        self.addCleanup(b.kill)
        stream = SSEClient(b.port, "/events")
        self.addCleanup(stream.close)
        a.publish(user_name="Tunnelled")
        self.assertEqual(names(read_events(stream, 1)), ["Tunnelled"])

    def test_a_tunnel_that_cannot_verify_the_server_lets_nothing_through(self):
        port = self.tunnel("not-the-redis.example")  # the certificate names localhost
        with self.assertRaises((ConnectionError, OSError, RedisError)):
            client = RedisClient(port)
            try:
                client.call("AUTH", PASSWORD)
            finally:
                client.close()
        proof = Proof("--redis", f"redis://:{PASSWORD}@127.0.0.1:{port}", healthy=False)
        self.addCleanup(proof.kill)
        time.sleep(1)
        self.assertEqual(proof.request("GET", "/healthz")[0], 503)
        proof.publish(expect=503, user_name="nowhere")


if __name__ == "__main__":
    unittest.main()

"""`proof send` as a client that must not lose or double a signup: it sends an
Idempotency-Key and tries again, with the same key, while the server cannot take the
signup (503, here a real redis-server that is not up yet) or cannot be reached."""

import subprocess
import time
import unittest

from harness import API_KEY, PROOF_BIN, Proof, SSEClient, free_port, raise_fd_limit
from tools import requires
from test_redis import REDIS, RedisServer


def send(port, user):
    return subprocess.Popen(
        [PROOF_BIN, "send", "--url", f"http://127.0.0.1:{port}", "--api-key", API_KEY,
         "--user", user, "--offer", "Newsletter"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class SendRetryTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()

    @requires("redis-server")
    def test_a_503_is_retried_until_the_signup_is_taken_once(self):
        redis_port = free_port()
        proof = Proof("--redis", f"redis://127.0.0.1:{redis_port}", healthy=False)
        self.addCleanup(proof.kill)
        stream = SSEClient(proof.port, "/events")
        self.addCleanup(stream.close)
        client = send(proof.port, "Retry Ray")
        time.sleep(1.5)  # the first tries meet Redis away: 503 with Retry-After
        redis = RedisServer(port=redis_port)  # on the port proof was pointed at
        self.addCleanup(redis.close)
        out, err = client.communicate(timeout=30)
        self.assertEqual(client.returncode, 0, err)
        self.assertIn("trying again", err)
        self.assertIn("503", err)
        event = stream.next_event(timeout=5)
        self.assertEqual(event["id"], out.strip())
        self.assertIsNone(stream.next_event(timeout=1), "the signup was published twice")

    def test_a_server_not_up_yet_is_tried_again(self):
        port = free_port()
        client = send(port, "Early Eve")
        time.sleep(1.2)
        proof = Proof(port=port)
        self.addCleanup(proof.kill)
        out, err = client.communicate(timeout=30)
        self.assertEqual(client.returncode, 0, err)
        self.assertIn("trying again", err)
        self.assertTrue(out.strip().isdigit(), out)


if __name__ == "__main__":
    unittest.main()

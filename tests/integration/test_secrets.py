"""Secrets as a running server takes them: from files of their own, so that no secret is
in the process's command line; a rotation's old and new webhook secrets, from the config
file, the flags and the files, all verify; the start-up log says how many secrets came
from where, never the secrets themselves, and warns about a secret file others can read."""

import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import API_KEY, PROOF_BIN, Proof

STRIPE_OLD = "whsec_rotation_old_4f1c"
STRIPE_NEW = "whsec_rotation_new_9a2e"


def stripe_delivery(proof, secret, n):
    """A paid Stripe checkout signed with `secret`, as Stripe sends it; the status."""
    t = str(int(time.time()))
    body = json.dumps({"id": f"evt_secrets_{n}", "type": "checkout.session.completed",
                       "livemode": True,
                       "data": {"object": {"id": f"cs_secrets_{n}", "payment_status": "paid",
                                           "payment_intent": f"pi_secrets_{n}"}}})
    signature = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    status, _, answer = proof.request("POST", "/hooks/stripe", body, {
        "Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={signature}"})
    return status, answer


class SecretsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="proof-secrets-")
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text, mode=0o600):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_a_flag_secret_adds_to_the_files_so_the_old_one_still_verifies(self):
        config = self.write("proof.conf", f'stripe-secret = ["{STRIPE_OLD}"]\n')
        proof = Proof("--config", config, "--stripe-secret", STRIPE_NEW)
        self.addCleanup(proof.kill)
        self.assertEqual(stripe_delivery(proof, STRIPE_OLD, 1)[0], 202)
        self.assertEqual(stripe_delivery(proof, STRIPE_NEW, 2)[0], 202)
        self.assertEqual(stripe_delivery(proof, "whsec_neither", 3)[0], 401)
        logs = proof.logs()
        self.assertIn(f"stripe: 2 secrets (1 from {config}, 1 from --stripe-secret)", logs)
        self.assertIn("api-key: from --api-key", logs)
        for secret in (STRIPE_OLD, STRIPE_NEW, API_KEY):
            self.assertNotIn(secret, logs)

    def test_secrets_from_files_are_in_no_command_line_and_all_verify(self):
        key = "file-key-8d1f0e7a"
        loose_secret = "whsec_readable_by_all_3b7d"
        key_file = self.write("api-key", f"\n{key}\n")
        secrets = self.write("stripe-secret", f"{STRIPE_OLD}\r\n\n{STRIPE_NEW}  \n")
        loose = self.write("loose-secret", loose_secret + "\n", mode=0o644)
        # A config that names files and holds no secret itself may be readable by all.
        config = self.write("proof.conf", f'stripe-secret-file = ["{secrets}"]\n', mode=0o644)
        proof = Proof("--config", config, "--api-key-file", key_file, "--stripe-secret-file",
                      loose, api_key=None)
        self.addCleanup(proof.kill)
        everything = (key, STRIPE_OLD, STRIPE_NEW, loose_secret)
        for view in ("cmdline", "environ"):
            with open(f"/proc/{proof.proc.pid}/{view}", "rb") as f:
                seen = f.read().decode(errors="replace")
            for secret in everything:
                self.assertNotIn(secret, seen, f"a secret is in /proc/PID/{view}")

        self.assertGreater(proof.publish(api_key=key, user_name="Keyed")["id"], 0)
        for n, secret in enumerate((STRIPE_OLD, STRIPE_NEW, loose_secret)):
            self.assertEqual(stripe_delivery(proof, secret, 10 + n)[0], 202, secret)
        logs = proof.logs()
        self.assertIn(f"api-key: from --api-key-file {key_file}", logs)
        self.assertIn(f"stripe: 3 secrets (2 from stripe-secret-file {secrets}, "
                      f"1 from --stripe-secret-file {loose})", logs)
        self.assertIn(f"'{loose}' holds a secret and is readable by its group and others "
                      "(mode 0644)", logs)
        for quiet in (config, key_file, secrets):
            self.assertNotIn(f"'{quiet}' holds a secret", logs)
        for secret in everything:
            self.assertNotIn(secret, logs)

        # The operator commands read the key the same way.
        done = subprocess.run([PROOF_BIN, "send", "--url", f"http://127.0.0.1:{proof.port}",
                               "--api-key-file", key_file, "--user", "Jane", "--offer", "Plan"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(done.returncode, 0, done.stderr)


if __name__ == "__main__":
    unittest.main()

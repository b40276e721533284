"""Secrets as a running server takes them: a rotation's old and new webhook secrets from
the config file and the flags both verify, and the start-up log says how many secrets
came from where, never the secrets themselves."""

import hashlib
import hmac
import json
import os
import tempfile
import time
import unittest

from harness import API_KEY, Proof

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


if __name__ == "__main__":
    unittest.main()

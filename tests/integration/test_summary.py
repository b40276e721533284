"""GET /summary?hours=H[&channel=NAME]: signups in the last H hours, counted apart from the
replay history, across a restart with --data-dir."""

import json
import tempfile
import unittest

from harness import Proof


def summary(proof, query=""):
    status, headers, body = proof.request("GET", "/summary" + query)
    return status, headers, json.loads(body)


class SummaryTest(unittest.TestCase):
    def test_counts_are_kept_apart_from_history_and_survive_a_restart(self):
        data_dir = tempfile.mkdtemp(prefix="proof-summary-")
        proof = Proof("--data-dir", data_dir, "--history", "2")
        self.addCleanup(proof.kill)
        self.assertEqual(summary(proof), (200, summary(proof)[1], {"count": 0, "hours": 24}))
        for i in range(5):
            proof.publish(user_name=f"s{i}", **({"channel": "mug"} if i < 2 else {}))
        status, headers, answer = summary(proof, "?hours=168")
        self.assertEqual(status, 200)
        # A count from a moment ago may be cached for a few seconds: ask for a new pair.
        self.assertEqual(summary(proof, "?hours=167")[2], {"count": 5, "hours": 167})
        self.assertEqual(summary(proof, "?hours=166&channel=mug")[2], {"count": 2, "hours": 166})
        self.assertEqual(summary(proof, "?hours=166&channel=tea")[2], {"count": 0, "hours": 166})
        proof.stop()
        again = Proof("--data-dir", data_dir, "--history", "2", port=proof.port)
        self.addCleanup(again.kill)
        self.assertEqual(summary(again, "?hours=720")[2], {"count": 5, "hours": 720})

    def test_bad_hours_and_channels_are_400(self):
        proof = Proof("--allowed-origin", "https://shop.example")
        self.addCleanup(proof.kill)
        for query in ("?hours=0", "?hours=721", "?hours=abc", "?hours=-1", "?channel=Mug",
                      "?channel=" + "x" * 65):
            status, _, body = proof.request("GET", "/summary" + query)
            self.assertEqual(status, 400, query)
            self.assertIn("error", json.loads(body))
        # CORS as for /events: allowed origins echoed, others refused.
        status, headers, _ = proof.request("GET", "/summary", headers={"Origin": "https://shop.example"})
        self.assertEqual((status, headers.get("access-control-allow-origin")), (200, "https://shop.example"))
        self.assertEqual(proof.request("GET", "/summary", headers={"Origin": "https://evil.example"})[0], 403)


if __name__ == "__main__":
    unittest.main()

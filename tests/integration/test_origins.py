"""Wrong origins are visible (issue 36 item 5): a page on an origin missing from
--allowed-origin is refused with a 403 that page can read, saying the flag to add; the
operator finds the origin in GET /hooks/recent with its count and that flag; and a flood of
forged Origin headers keeps the list and /metrics bounded."""

import json
import time
import unittest

from harness import API_KEY, Proof

AUTH = {"Authorization": f"Bearer {API_KEY}"}
SHOP = "https://shop.example"


def refused_origins(proof):
    status, headers, body = proof.request("GET", "/hooks/recent", headers=AUTH)
    assert status == 200, (status, body)
    return json.loads(body)["refused_origins"]


def metrics(proof):
    """Every sample of /metrics by its name with labels."""
    _, _, body = proof.request("GET", "/metrics")
    samples = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


class RefusedOriginsTest(unittest.TestCase):
    def setUp(self):
        self.proof = Proof("--allowed-origin", SHOP)
        self.addCleanup(self.proof.kill)

    def test_a_refused_page_reads_why_and_the_operator_sees_its_origin_and_flag(self):
        page = "https://www.shop.example"
        before = int(time.time() * 1000)
        for path in ("/events?replay=3", "/events?replay=3", "/summary"):
            status, headers, body = self.proof.request("GET", path, headers={"Origin": page})
            self.assertEqual(status, 403, path)
            # The page's script may read this answer: the widget turns it into its console
            # message. Only that origin is named, and nothing else is opened to it.
            self.assertEqual(headers.get("access-control-allow-origin"), page)
            self.assertIn("Origin", headers.get("vary", ""))
            self.assertEqual(json.loads(body), {
                "error": f"this page's origin {page} is not allowed; "
                         f"the operator adds it with --allowed-origin {page}"})
        # An allowed page and a request without Origin are not listed.
        self.assertEqual(self.proof.request("GET", "/summary", headers={"Origin": SHOP})[0], 200)
        self.assertEqual(self.proof.request("GET", "/summary")[0], 200)

        listed = refused_origins(self.proof)
        self.assertEqual(len(listed), 1, listed)
        entry = listed[0]
        self.assertEqual(entry["origin"], page)
        self.assertEqual(entry["count"], 3)
        self.assertEqual(entry["setting"], f"--allowed-origin {page}")
        self.assertGreaterEqual(entry["last_seen"], before)
        self.assertLessEqual(entry["last_seen"], int(time.time() * 1000) + 1000)
        self.assertLessEqual(entry["first_seen"], entry["last_seen"])

        samples = metrics(self.proof)
        self.assertEqual(samples["proof_refused_origins"], 1)
        self.assertEqual(samples['proof_requests_rejected_total{reason="origin"}'], 3)

    def test_the_list_is_the_operators_alone(self):
        self.proof.request("GET", "/events", headers={"Origin": "https://www.shop.example"})
        status, _, body = self.proof.request("GET", "/hooks/recent")
        self.assertEqual(status, 401)
        self.assertNotIn(b"www.shop.example", body)

    def test_origins_that_nothing_allows_are_listed_without_a_flag(self):
        for origin in ("null", "https://shop.example/path"):
            status, headers, body = self.proof.request("GET", "/events",
                                                       headers={"Origin": origin})
            self.assertEqual(status, 403, origin)
            self.assertNotIn("--allowed-origin", json.loads(body)["error"])
        settings = {e["origin"]: e["setting"] for e in refused_origins(self.proof)}
        self.assertEqual(settings, {"null": None, "https://shop.example/path": None})

    def test_a_thousand_forged_origins_keep_the_list_bounded_and_the_real_page_listed(self):
        # A real page is refused more than once: its widget retries the stream.
        page = "https://blog.example"
        for _ in range(2):
            self.assertEqual(self.proof.request("GET", "/events", headers={"Origin": page})[0], 403)
        long_tail = "x" * 4000
        for i in range(1000):
            origin = f"https://forged-{i}.example" + (long_tail if i % 100 == 0 else "")
            status, _, _ = self.proof.request("GET", "/events", headers={"Origin": origin})
            self.assertEqual(status, 403)
        listed = refused_origins(self.proof)
        self.assertEqual(len(listed), 20)
        origins = [e["origin"] for e in listed]
        self.assertIn(page, origins)
        self.assertEqual(origins[0], "https://forged-999.example", "the newest first")
        self.assertTrue(all(len(o) <= 300 for o in origins), [len(o) for o in origins])
        samples = metrics(self.proof)
        self.assertEqual(samples["proof_refused_origins"], 20)
        self.assertEqual(samples['proof_requests_rejected_total{reason="origin"}'], 1002)
        # One number, never a series per origin.
        self.assertFalse([name for name in samples if "forged" in name])


if __name__ == "__main__":
    unittest.main()

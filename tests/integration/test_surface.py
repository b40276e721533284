"""/healthz, /metrics and the static files under --public-dir."""

import unittest

from harness import ProofTestCase


class SurfaceTest(ProofTestCase):
    def test_healthz(self):
        status, _, body = self.proof.request("GET", "/healthz")
        self.assertEqual(status, 200)
        self.assertIn(b"ok", body)

    def test_metrics_in_prometheus_text_format(self):
        stream = self.sse()
        self.proof.publish(user_name="m")
        stream.next_event()
        self.proof.request("POST", "/signup", "api_key=wrong",
                           {"Content-Type": "application/x-www-form-urlencoded"})
        status, headers, body = self.proof.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        text = body.decode()
        for family, kind in (("proof_subscribers", "gauge"),
                             ("proof_events_published_total", "counter"),
                             ("proof_requests_rejected_total", "counter"),
                             ("proof_deliveries_total", "counter"),
                             ("proof_subscribers_dropped_total", "counter"),
                             ("proof_uptime_seconds", "gauge")):
            self.assertIn(f"# TYPE {family} {kind}", text)
        self.assertGreaterEqual(self.proof.metric("proof_subscribers"), 1)
        self.assertGreaterEqual(self.proof.metric("proof_events_published_total"), 1)
        self.assertGreaterEqual(self.proof.metric("proof_deliveries_total"), 1)
        self.assertGreaterEqual(
            self.proof.metric('proof_requests_rejected_total{reason="unauthorized"}'), 1)

    def test_static_files_with_content_types(self):
        for path, type_prefix in (("/proof.js", "text/javascript"), ("/", "text/html"),
                                  ("/index.html", "text/html"),
                                  ("/img/default.svg", "image/svg+xml")):
            with self.subTest(path=path):
                status, headers, body = self.proof.request("GET", path)
                self.assertEqual(status, 200)
                self.assertTrue(headers["content-type"].startswith(type_prefix), headers)
                self.assertTrue(body)

    def test_cache_validators_give_304(self):
        status, headers, _ = self.proof.request("GET", "/proof.js")
        self.assertEqual(status, 200)
        etag, modified = headers["etag"], headers["last-modified"]
        status, _, body = self.proof.request("GET", "/proof.js", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        status, _, _ = self.proof.request("GET", "/proof.js",
                                          headers={"If-Modified-Since": modified})
        self.assertEqual(status, 304)
        status, _, _ = self.proof.request("GET", "/proof.js",
                                          headers={"If-None-Match": 'W/"other"'})
        self.assertEqual(status, 200)

    def test_unknown_paths_404_with_json(self):
        for path in ("/nope", "/img/nope.png", "/signup/x"):
            with self.subTest(path=path):
                status, headers, body = self.proof.request("GET", path)
                self.assertEqual(status, 404)
                self.assertEqual(headers["content-type"], "application/json")
                self.assertIn(b"error", body)

    def test_no_file_outside_public_is_served(self):
        for path in ("/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/img/../../main.cpp",
                     "/.git/config", "/..%2fCMakeLists.txt"):
            with self.subTest(path=path):
                status, _, body = self.proof.request("GET", path)
                self.assertIn(status, (400, 404))
                self.assertNotIn(b"cmake_minimum_required", body)

    def test_wrong_methods_are_405(self):
        for method, path in (("POST", "/events"), ("DELETE", "/signup"), ("PUT", "/proof.js"),
                             ("POST", "/healthz")):
            with self.subTest(method=method, path=path):
                status, headers, _ = self.proof.request(method, path, body="")
                self.assertEqual(status, 405)


if __name__ == "__main__":
    unittest.main()

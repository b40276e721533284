"""POST /signup against the real binary: the original's interface, JSON, and bad input."""

import json
import unittest
from urllib.parse import urlencode

from harness import API_KEY, ProofTestCase


class PublishTest(ProofTestCase):
    # Fields must travel verbatim here; how names are shortened is test_targeting's subject.
    server_args = ("--display-name", "full")

    def post(self, body, content_type="application/x-www-form-urlencoded", headers=None):
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        return self.proof.request("POST", "/signup", body, all_headers)

    def assert_refused(self, status, body, headers=None, content_type=None, kind=None):
        """Posts, expects `status` with a JSON error, and checks no event reached a stream."""
        stream = self.sse()
        self.assertIsNotNone(stream.next_block())  # the retry: block
        published_before = self.proof.metric("proof_events_published_total")
        args = {} if content_type is None else {"content_type": content_type}
        got, res_headers, answer = self.post(body, headers=headers, **args)
        self.assertEqual(got, status, answer)
        self.assertEqual(res_headers["content-type"], "application/json")
        message = json.loads(answer)["error"]
        self.assertTrue(message)
        if kind:
            self.assertIn(kind, message)
        self.assertIsNone(stream.next_event(timeout=0.3), "a refused signup was broadcast")
        self.assertEqual(self.proof.metric("proof_events_published_total"), published_before)
        return message

    def test_original_form_body_is_broadcast(self):
        stream = self.sse()
        status, _, body = self.post(urlencode({
            "api_key": API_KEY, "user_name": "Jane", "offer_name": "Newsletter",
            "img_path": "https://cdn.example/n.png"}))
        self.assertEqual(status, 202)
        event_id = json.loads(body)["id"]
        event = stream.next_event()
        self.assertEqual(event["event"], "signup")
        self.assertEqual(int(event["id"]), event_id)
        self.assertEqual(event["json"]["user_name"], "Jane")
        self.assertEqual(event["json"]["offer_name"], "Newsletter")
        self.assertEqual(event["json"]["img_path"], "https://cdn.example/n.png")
        self.assertNotIn("city", event["json"])
        self.assertNotIn("url", event["json"])

    def test_empty_fields_get_the_originals_defaults(self):
        stream = self.sse()
        self.proof.publish(user_name="", offer_name="  ", img_path="")
        data = stream.next_event()["json"]
        self.assertEqual(data["user_name"], "someone")
        self.assertEqual(data["offer_name"], "one of our partners")
        self.assertEqual(data["img_path"], "/img/default.svg")
        status, headers, _ = self.proof.request("GET", data["img_path"])
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/svg+xml")

    def test_event_carries_a_server_timestamp(self):
        import time
        stream = self.sse()
        before = time.time() * 1000
        self.proof.publish(user_name="Tim")
        ts = stream.next_event()["json"]["ts"]
        self.assertGreaterEqual(ts, before - 1000)
        self.assertLessEqual(ts, time.time() * 1000 + 1000)

    def test_json_body_with_bearer_key_and_optional_fields(self):
        stream = self.sse()
        status, _, body = self.post(json.dumps({
            "user_name": "Ana", "offer_name": "Pro plan", "city": "Leeds",
            "url": "https://shop.example/pro"}), "application/json",
            {"Authorization": f"Bearer {API_KEY}"})
        self.assertEqual(status, 202, body)
        data = stream.next_event()["json"]
        self.assertEqual((data["user_name"], data["city"], data["url"]),
                         ("Ana", "Leeds", "https://shop.example/pro"))

    def test_json_body_with_x_api_key(self):
        status, _, body = self.post(json.dumps({"user_name": "Kai"}), "application/json",
                                    {"X-API-Key": API_KEY})
        self.assertEqual(status, 202, body)

    def test_multipart_form_as_curl_F_sends_it(self):
        boundary = "b0undary"
        parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                        for k, v in {"api_key": API_KEY, "user_name": "Mo"}.items())
        stream = self.sse()
        status, _, body = self.post(parts + f"--{boundary}--\r\n",
                                    f"multipart/form-data; boundary={boundary}")
        self.assertEqual(status, 202, body)
        self.assertEqual(stream.next_event()["json"]["user_name"], "Mo")

    def test_missing_key_is_401(self):
        self.assert_refused(401, urlencode({"user_name": "Eve"}), kind="API key")

    def test_wrong_key_is_401(self):
        self.assert_refused(401, urlencode({"api_key": API_KEY + "x", "user_name": "Eve"}))
        self.assert_refused(401, urlencode({"api_key": API_KEY[:-1], "user_name": "Eve"}))

    def test_wrong_bearer_key_is_401(self):
        self.assert_refused(401, json.dumps({"user_name": "Eve"}), content_type="application/json",
                            headers={"Authorization": "Bearer nope"})

    def test_malformed_form_is_400(self):
        self.assert_refused(400, f"api_key={API_KEY}&user_name=%ZZ", kind="malformed")

    def test_malformed_json_is_400(self):
        self.assert_refused(400, '{"user_name": "x"', content_type="application/json",
                            headers={"X-API-Key": API_KEY})
        self.assert_refused(400, '["not", "an", "object"]', content_type="application/json",
                            headers={"X-API-Key": API_KEY})
        self.assert_refused(400, '{"user_name": 5}', content_type="application/json",
                            headers={"X-API-Key": API_KEY}, kind="string")

    def test_invalid_utf8_is_400(self):
        self.assert_refused(400, f"api_key={API_KEY}&user_name=%C3%28", kind="UTF-8")
        self.assert_refused(400, f"api_key={API_KEY}&offer_name=%ED%A0%80", kind="UTF-8")

    def test_control_characters_are_400(self):
        for raw in ("%00", "%0A", "%0D", "%1B", "%7F", "%C2%85"):
            with self.subTest(raw=raw):
                self.assert_refused(400, f"api_key={API_KEY}&user_name=Jo{raw}e", kind="control")

    def test_field_over_its_limit_is_400(self):
        self.proof.publish(user_name="é" * 120)  # 120 characters is the limit, in characters
        self.assert_refused(400, urlencode({"api_key": API_KEY, "user_name": "é" * 121}),
                            kind="120")
        self.assert_refused(400, urlencode({"api_key": API_KEY, "offer_name": "x" * 121}))
        self.assert_refused(400, urlencode({"api_key": API_KEY, "city": "x" * 121}))
        self.assert_refused(400, urlencode({"api_key": API_KEY, "url": "/" + "x" * 2048}))

    def test_only_http_or_site_relative_urls(self):
        for field in ("img_path", "url"):
            for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
                        "//evil.example/x.png", "/\\evil.example", "http://", "vbscript:x",
                        "ftp://example.com/a"):
                with self.subTest(field=field, url=bad):
                    self.assert_refused(400, urlencode({"api_key": API_KEY, field: bad}))
        self.proof.publish(img_path="/img/default.svg", url="HTTPS://shop.example/x?a=1#b")

    def test_body_over_the_limit_is_413(self):
        self.assert_refused(413, urlencode({"api_key": API_KEY, "user_name": "x" * 20000}),
                            kind="too large")

    def test_unsupported_content_type_is_415(self):
        self.assert_refused(415, "user_name=x", content_type="text/xml")

    def test_get_signup_publishes_nothing(self):
        published = self.proof.metric("proof_events_published_total")
        status, headers, _ = self.proof.request(
            "GET", "/signup?" + urlencode({"api_key": API_KEY, "user_name": "x"}))
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])
        self.assertEqual(self.proof.metric("proof_events_published_total"), published)

    def test_rejections_are_counted_by_reason(self):
        before = self.proof.metric('proof_requests_rejected_total{reason="unauthorized"}')
        self.post(urlencode({"api_key": "bad"}))
        after = self.proof.metric('proof_requests_rejected_total{reason="unauthorized"}')
        self.assertEqual(after, before + 1)

    def test_key_and_personal_data_stay_out_of_logs_at_info(self):
        self.proof.publish(user_name="Privatename")
        self.post(urlencode({"api_key": API_KEY + "wrong"}))
        logs = self.proof.logs()
        self.assertNotIn(API_KEY, logs)
        self.assertNotIn("Privatename", logs)
        self.assertIn("rejected POST /signup", logs)
        self.assertIn("unauthorized", logs)

    def test_html_in_fields_travels_as_json_text(self):
        stream = self.sse()
        name = '<img src=x onerror=alert(1)>"</script>'
        self.proof.publish(user_name=name)
        self.assertEqual(stream.next_event()["json"]["user_name"], name)


if __name__ == "__main__":
    unittest.main()

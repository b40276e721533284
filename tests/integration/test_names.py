"""Issue 32 on the server: names typed with other white space than ASCII's are reduced like
any other, and bidi controls and invisible characters never reach an event, whether the
text came from POST /signup or from a verified source (/hooks). Each event is read back
from a live stream, from the replay a new page gets, and from the --data-dir store."""

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import tempfile
import time
import unittest

from harness import API_KEY, Proof, SSEClient, raise_fd_limit

SHOPIFY_SECRET = "shopify-names-test-secret"
STRIPE_SECRET = "whsec_names_test"

# Bidi controls (PropList.txt Bidi_Control) and the invisible format characters of issue 32.
HIDDEN = ["\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
          "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
          "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",
          "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]
# PropList.txt White_Space other than U+0020.
OTHER_SPACES = ["\t", "\n", "\x0b", "\x0c", "\r", "\x85", "\xa0", "\u1680",
                *(chr(cp) for cp in range(0x2000, 0x200B)),
                "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]


def shopify_now():
    """Now as a Shopify order's updated_at writes it: proof tells a replay by this time."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def post_json(proof, fields):
    status, _, body = proof.request(
        "POST", "/signup", json.dumps(fields),
        {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"})
    assert status == 202, (status, body)
    return json.loads(body)["id"]


class NamesServer(unittest.TestCase):
    """One server per test, storing in a fresh --data-dir, with Shopify and Stripe on."""

    display_name = ()

    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.TemporaryDirectory(prefix="proof-names-")
        self.addCleanup(self.dir.cleanup)
        self.proof = Proof("--data-dir", self.dir.name, "--max-publish-rate", "0",
                           "--shopify-secret", SHOPIFY_SECRET, "--stripe-secret", STRIPE_SECRET,
                           *self.display_name)
        self.addCleanup(self.proof.kill)
        self.stream = SSEClient(self.proof.port)
        self.addCleanup(self.stream.close)

    def assert_clean(self, text):
        """Nothing in `text` that could reverse or hide part of a card's line."""
        for ch in HIDDEN:
            self.assertNotIn(ch, text, f"U+{ord(ch):04X} reached an event: {text!r}")

    def event(self, expect_id=None):
        """The next event of the live stream, checked clean in every field."""
        event = self.stream.next_event()
        self.assertIsNotNone(event, "nothing was broadcast")
        if expect_id is not None:
            self.assertEqual(int(event["id"]), expect_id)
        for key, value in event["json"].items():
            if isinstance(value, str):
                self.assert_clean(value)
        return event["json"]

    def replayed(self):
        """Every event a new page is given, as JSON, from GET /events?replay."""
        stream = SSEClient(self.proof.port, "/events?replay=100")
        self.addCleanup(stream.close)
        events = []
        while (event := stream.next_event(timeout=0.5)) is not None:
            events.append(event["json"])
        return events

    def stored(self):
        """The user_name, offer_name and city of each stored event, and the raw file bytes."""
        path = os.path.join(self.dir.name, "events.db")
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT user_name, offer_name, city FROM events ORDER BY id").fetchall()
        raw = b""
        for name in os.listdir(self.dir.name):  # events.db, its WAL, deliveries.db...
            with open(os.path.join(self.dir.name, name), "rb") as f:
                raw += f.read()
        return rows, raw

    def assert_never_kept(self, *texts):
        rows, raw = self.stored()
        for text in texts:
            self.assertNotIn(text.encode(), raw, f"{text!r} was stored")
        for row in rows:
            for value in row:
                if value:
                    self.assert_clean(value)
        for event in self.replayed():
            for value in event.values():
                if isinstance(value, str):
                    self.assert_clean(value)
                    for text in texts:
                        self.assertNotIn(text, value)

    def shopify(self, order, webhook_id):
        body = json.dumps(order)
        digest = hmac.new(SHOPIFY_SECRET.encode(), body.encode(), hashlib.sha256).digest()
        headers = {"Content-Type": "application/json",
                   "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
                   "X-Shopify-Topic": "orders/paid",
                   "X-Shopify-Shop-Domain": "names.myshopify.com",
                   "X-Shopify-Webhook-Id": webhook_id}
        status, _, answer = self.proof.request("POST", "/hooks/shopify", body.encode(), headers)
        self.assertEqual(status, 202, answer)
        return json.loads(answer)["id"]

    def stripe(self, name, event_id):
        t = str(int(time.time()))
        body = json.dumps({"id": event_id, "type": "checkout.session.completed",
                           "livemode": True,
                           "data": {"object": {"id": "cs_" + event_id, "payment_status": "paid",
                                               "payment_intent": "pi_" + event_id,
                                               "customer_details": {"name": name}}}})
        signature = hmac.new(STRIPE_SECRET.encode(), f"{t}.{body}".encode(),
                             hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json",
                   "Stripe-Signature": f"t={t},v1={signature}"}
        status, _, answer = self.proof.request("POST", "/hooks/stripe", body.encode(), headers)
        self.assertEqual(status, 202, answer)
        return json.loads(answer)["id"]

    def recent_names(self):
        status, _, body = self.proof.request("GET", "/hooks/recent", headers={
            "Authorization": f"Bearer {API_KEY}"})
        self.assertEqual(status, 200, body)
        return [row["name"] for row in json.loads(body)["recent"]]


class InitialNamesTest(NamesServer):
    """The default, --display-name initial: only the last word's initial may show."""

    # ---- POST /signup ---------------------------------------------------------------------

    def test_an_ideographic_space_separates_a_japanese_name(self):
        # 山田　太郎, as a Japanese input method types it: the given name must not show.
        event_id = post_json(self.proof, {"user_name": "山田\u3000太郎", "offer_name": "Mug"})
        self.assertEqual(self.event(event_id)["user_name"], "山田 太.")
        self.assert_never_kept("太郎", "山田\u3000")

    def test_a_no_break_space_separates_too(self):
        post_json(self.proof, {"user_name": "Jane\u00a0Doe"})
        self.assertEqual(self.event()["user_name"], "Jane D.")
        self.assert_never_kept("Doe")

    def test_every_white_space_separates_in_a_form_body_too(self):
        from urllib.parse import urlencode
        spaces = [s for s in OTHER_SPACES if s not in "\t\n\x0b\x0c\r\x85"]  # controls: 400
        for space in spaces:
            status, _, body = self.proof.request(
                "POST", "/signup",
                urlencode({"api_key": API_KEY, "user_name": f"Jane{space}Doe"}),
                {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 202, body)
            self.assertEqual(self.event()["user_name"], "Jane D.", f"U+{ord(space):04X}")
        self.assert_never_kept("Doe")

    def test_bidi_controls_and_invisible_characters_are_stripped_from_every_field(self):
        post_json(self.proof, {"user_name": "Eve\u202egnp.exe",
                               "offer_name": "Pro\u200b plan\u2066",
                               "city": "\ufeffLeeds\u200f"})
        data = self.event()
        self.assertEqual(data["user_name"], "Evegnp.exe")
        self.assertEqual(data["offer_name"], "Pro plan")
        self.assertEqual(data["city"], "Leeds")
        for ch in HIDDEN:
            post_json(self.proof, {"user_name": f"A{ch}na {ch}Lee{ch}", "city": f"{ch}Rome"})
            data = self.event()
            self.assertEqual(data["user_name"], "Ana L.", f"U+{ord(ch):04X}")
            self.assertEqual(data["city"], "Rome", f"U+{ord(ch):04X}")
        self.assert_never_kept("\u202e")

    def test_a_name_of_hidden_characters_only_is_no_name(self):
        post_json(self.proof, {"user_name": "\u202e\u200b\u2060", "city": "\u200f"})
        data = self.event()
        self.assertEqual(data["user_name"], "someone")
        self.assertNotIn("city", data)

    # ---- verified sources -----------------------------------------------------------------

    def test_a_shopify_order_is_stripped_and_reduced_not_refused(self):
        # The whole name typed in the first-name box with an ideographic space; a city and a
        # product title carrying bidi isolates and a zero-width space.
        event_id = self.shopify({
            "id": 4101, "admin_graphql_api_id": "gid://shopify/Order/4101",
            "financial_status": "paid", "updated_at": shopify_now(),
            "billing_address": {"first_name": "山田\u3000太郎", "last_name": "",
                                "city": "\u2066Tokyo\u2069"},
            "line_items": [{"title": "Mug\u200b"}]}, "wh-names-1")
        data = self.event(event_id)
        self.assertEqual(data["user_name"], "山田 太.")
        self.assertEqual(data["city"], "Tokyo")
        self.assertEqual(data["offer_name"], "Mug")
        self.assertEqual(data["source"], "shopify")
        self.assertEqual(self.recent_names(), ["山田 太."])
        self.assert_never_kept("太郎")

    def test_a_stripe_name_loses_its_override_and_is_reduced(self):
        event_id = self.stripe("Mallory\u00a0Eve\u202egnp.exe", "evt_names_1")
        data = self.event(event_id)
        self.assertEqual(data["user_name"], "Mallory E.")
        self.assertNotIn("Evegnp", json.dumps(data, ensure_ascii=False))
        self.assertEqual(self.recent_names(), ["Mallory E."])
        self.assert_never_kept("gnp.exe")


class FullNamesTest(NamesServer):
    """--display-name full: every word shows, but single-spaced and stripped all the same."""

    display_name = ("--display-name", "full")

    def test_full_keeps_the_words_one_space_apart_and_stripped(self):
        post_json(self.proof, {"user_name": "\u3000山田\u3000太郎\u2029"})
        self.assertEqual(self.event()["user_name"], "山田 太郎")
        post_json(self.proof, {"user_name": "Eve\u202egnp.exe\u00a0\u200bSmith"})
        self.assertEqual(self.event()["user_name"], "Evegnp.exe Smith")
        self.stripe("Ja\u200dne\u2066 Doe", "evt_names_full")
        self.assertEqual(self.event()["user_name"], "Jane Doe")
        self.assert_never_kept("\u3000")


if __name__ == "__main__":
    unittest.main()

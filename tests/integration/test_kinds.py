"""Issue 36 item 1 on the server: every event says its kind. POST /signup publishes a
signup, or a purchase with kind=purchase (never a verified one); every verified source
publishes purchases; a purchase without a product name has no offer_name (the widget says
"just bought from us"). /summary?kind= and /stats's purchases count purchases apart, as the
event is accepted, erased or taken back, across a restart with --data-dir, and summed over
the instances sharing one Redis. The SSE event is named `signup` for both kinds, since
widgets from before kinds listen to that name alone."""

import base64
import hashlib
import hmac
import json
import tempfile
import time
import unittest
from urllib.parse import urlencode

from harness import API_KEY, Proof, SSEClient, raise_fd_limit
from test_redis import RedisServer
from tools import requires

SHOPIFY_SECRET = "shopify-kinds-test-secret"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def post_json(proof, fields, expect=202):
    status, _, body = proof.request(
        "POST", "/signup", json.dumps(fields), {"Content-Type": "application/json", **AUTH})
    assert status == expect, (status, body)
    return json.loads(body)


_changes = iter(range(10**6))


def shopify_now():
    """An order's updated_at as Shopify writes it, a second later at each delivery: proof
    takes a delivery older than one it has seen for the same order as stale."""
    at = time.time() + next(_changes)
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(at))


def shopify(proof, order_id, webhook_id, query="", topic="orders/paid", **order):
    """A Shopify delivery signed with the shop's secret, as Shopify signs it."""
    order = {"id": order_id, "financial_status": "paid", "updated_at": shopify_now(),
             "billing_address": {"first_name": "Jane", "last_name": "Doe", "city": "Leeds"},
             **order}
    body = json.dumps(order).encode()
    digest = hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"Content-Type": "application/json",
               "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
               "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "kinds.myshopify.com",
               "X-Shopify-Webhook-Id": webhook_id}
    status, _, answer = proof.request("POST", "/hooks/shopify" + query, body, headers)
    assert status in (200, 202), (status, answer)
    return json.loads(answer)


class KindsServer(unittest.TestCase):
    """One server per test, with Shopify on; `args` add flags."""

    args = ()

    def setUp(self):
        raise_fd_limit()
        self.proof = self.start()

    def start(self, *args, **kwargs):
        proof = Proof("--max-publish-rate", "0", "--shopify-secret", SHOPIFY_SECRET,
                      *self.args, *args, **kwargs)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof=None, path="/events"):
        stream = SSEClient((proof or self.proof).port, path)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        return stream

    def next_event(self, stream):
        event = stream.next_event()
        self.assertIsNotNone(event, "nothing was broadcast")
        # Widgets from before kinds listen to `signup` alone: a purchase comes by that name.
        self.assertEqual(event["event"], "signup")
        return event["json"]

    def summary(self, query, proof=None):
        status, _, body = (proof or self.proof).request("GET", "/summary?" + query)
        self.assertEqual(status, 200, body)
        return json.loads(body)["count"]

    def today(self, proof=None):
        status, _, body = (proof or self.proof).request("GET", "/stats?days=1", headers=AUTH)
        self.assertEqual(status, 200, body)
        (day,) = json.loads(body)["days"]
        return day

    def counts(self, hours, proof=None):
        """/summary for every kind, each with its own `hours` (answers are cached 5 s per
        question, so each call asks new ones) and the day's /stats."""
        day = self.today(proof)
        return {"all": self.summary(f"hours={hours}", proof),
                "purchase": self.summary(f"hours={hours}&kind=purchase", proof),
                "signup": self.summary(f"hours={hours}&kind=signup", proof),
                "published": day["published"], "purchases": day["purchases"]}


class PublishKindsTest(KindsServer):
    def test_post_signup_publishes_a_signup_unless_it_says_purchase(self):
        stream = self.stream()
        plain = self.proof.publish(user_name="Bo", offer_name="Newsletter")["id"]
        event = self.next_event(stream)
        self.assertEqual(int(event["id"]), plain)
        self.assertEqual(event["kind"], "signup")
        self.assertEqual(event["offer_name"], "Newsletter")
        self.assertNotIn("source", event)

        # A form and a JSON body alike; no product: no offer_name, not "one of our partners".
        self.proof.publish(user_name="Jane Doe", city="Leeds", kind="purchase", offer_name="")
        event = self.next_event(stream)
        self.assertEqual(event["kind"], "purchase")
        self.assertNotIn("offer_name", event)
        self.assertNotIn("source", event)  # never a verified one
        self.assertEqual((event["user_name"], event["city"]), ("Jane D.", "Leeds"))
        post_json(self.proof, {"user_name": "Ann", "kind": "purchase", "offer_name": "Blue mug"})
        event = self.next_event(stream)
        self.assertEqual((event["kind"], event["offer_name"]), ("purchase", "Blue mug"))

        # A signup without a product keeps the original's words; kind= empty is a signup.
        self.proof.publish(user_name="Cy", kind="")
        event = self.next_event(stream)
        self.assertEqual((event["kind"], event["offer_name"]), ("signup", "one of our partners"))

    def test_another_kind_is_refused_and_publishes_nothing(self):
        stream = self.stream()
        before = self.proof.metric('proof_requests_rejected_total{reason="invalid_field"}')
        # Other words, and look-alikes of "purchase": a Cyrillic "р", a bidi override, a
        # zero-width space, a NUL.
        for kind in ("Purchase", "order", "purchase ", "refund", "\u0440urchase",
                     "\u202epurchase", "purchase\u200b", "purchase\x00"):
            status, headers, body = self.proof.request(
                "POST", "/signup", urlencode({"api_key": API_KEY, "kind": kind}),
                {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 400, kind)
            self.assertEqual(json.loads(body), {"error": "kind must be signup or purchase"})
        self.assertEqual(post_json(self.proof, {"kind": "sale"}, expect=400),
                         {"error": "kind must be signup or purchase"})
        self.assertEqual(post_json(self.proof, {"kind": ["purchase"]}, expect=400),
                         {"error": "field 'kind' must be a string"})
        self.assertEqual(self.proof.metric('proof_requests_rejected_total{reason="invalid_field"}'),
                         before + 10)
        # The field twice, in either order: neither wins.
        for body in ("kind=signup&kind=purchase", "kind=purchase&kind=signup"):
            status, _, answer = self.proof.request(
                "POST", "/signup", f"api_key={API_KEY}&user_name=Al&{body}",
                {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 400, body)
            self.assertIn("more than once", json.loads(answer)["error"])
        self.assertIsNone(stream.next_event(timeout=0.5))
        self.assertEqual(self.summary("hours=24"), 0)

    def test_a_verified_delivery_is_a_purchase(self):
        stream = self.stream()
        # No product on the order and no ?offer=: "just bought from us".
        first = shopify(self.proof, 1001, "wh-1")["id"]
        event = self.next_event(stream)
        self.assertEqual(int(event["id"]), first)
        self.assertEqual((event["kind"], event["source"]), ("purchase", "shopify"))
        self.assertNotIn("offer_name", event)
        shopify(self.proof, 1002, "wh-2", line_items=[{"title": "Blue mug"}])
        event = self.next_event(stream)
        self.assertEqual((event["kind"], event["offer_name"]), ("purchase", "Blue mug"))
        shopify(self.proof, 1003, "wh-3", query="?offer=Tea&channel=tea")
        event = self.next_event(stream)
        self.assertEqual((event["kind"], event["offer_name"], event["channel"]),
                         ("purchase", "Tea", "tea"))
        self.assertEqual(self.counts(24), {"all": 3, "purchase": 3, "signup": 0,
                                           "published": 3, "purchases": 3})
        self.assertEqual(self.summary("hours=24&channel=tea&kind=purchase"), 1)


class CountKindsTest(KindsServer):
    def test_summary_counts_purchases_alone_and_per_channel(self):
        self.proof.publish(user_name="a")
        self.proof.publish(user_name="b", channel="mug")
        self.proof.publish(user_name="c", kind="purchase", channel="mug")
        self.proof.publish(user_name="d", kind="purchase")
        shopify(self.proof, 2001, "wh-1")
        self.assertEqual(self.counts(24), {"all": 5, "purchase": 3, "signup": 2,
                                           "published": 5, "purchases": 3})
        self.assertEqual(self.summary("hours=23&channel=mug&kind=purchase"), 1)
        self.assertEqual(self.summary("hours=23&channel=mug&kind=signup"), 1)
        self.assertEqual(self.summary("hours=23&channel=mug"), 2)
        # Empty is absent, as for channel: every kind.
        self.assertEqual(self.summary("hours=22&kind="), 5)

    def test_the_cached_answer_is_the_one_for_its_kind(self):
        self.proof.publish(user_name="a")
        self.proof.publish(user_name="b", kind="purchase")
        # The same hours and channel, one after the other within the cache's 5 s.
        self.assertEqual(self.summary("hours=5"), 2)
        self.assertEqual(self.summary("hours=5&kind=purchase"), 1)
        self.assertEqual(self.summary("hours=5&kind=signup"), 1)
        self.assertEqual(self.summary("hours=5"), 2)

    def test_another_kind_in_the_query_is_400(self):
        # Look-alikes as an attacker writes them: a Cyrillic "р", a bidi override, a
        # zero-width space, a NUL, and the kind given twice (which one would count?).
        for kind in ("purchases", "Purchase", "all", "signups", "x" * 300, "%D1%80urchase",
                     "%E2%80%AEpurchase", "purchase%E2%80%8B", "purchase%00",
                     "signup&kind=purchase", "purchase&kind=purchase"):
            status, _, body = self.proof.request("GET", "/summary?kind=" + kind)
            self.assertEqual(status, 400, kind)
            self.assertEqual(json.loads(body)["error"],
                             "kind must be signup or purchase; leave it out to count every event")

    def test_erasing_uncounts_the_right_kind(self):
        signup = self.proof.publish(user_name="a")["id"]
        bought = self.proof.publish(user_name="b", kind="purchase", channel="mug")["id"]
        self.proof.publish(user_name="c", kind="purchase")
        self.assertEqual(self.counts(24), {"all": 3, "purchase": 2, "signup": 1,
                                           "published": 3, "purchases": 2})
        self.assertEqual(self.proof.request("DELETE", f"/events/{bought}", headers=AUTH)[0], 204)
        self.assertEqual(self.counts(23), {"all": 2, "purchase": 1, "signup": 1,
                                           "published": 2, "purchases": 1})
        self.assertEqual(self.summary("hours=22&channel=mug&kind=purchase"), 0)
        self.assertEqual(self.proof.request("DELETE", f"/events/{signup}", headers=AUTH)[0], 204)
        self.assertEqual(self.counts(21), {"all": 1, "purchase": 1, "signup": 0,
                                           "published": 1, "purchases": 1})

    def test_a_take_back_uncounts_a_verified_purchase(self):
        shopify(self.proof, 3001, "wh-1")
        self.proof.publish(user_name="a")
        self.assertEqual(self.counts(24)["purchase"], 1)
        answer = shopify(self.proof, 3001, "wh-2", topic="orders/cancelled",
                         cancelled_at="2026-12-01T10:00:00Z")
        self.assertIn("erased", answer)
        self.assertEqual(self.counts(23), {"all": 1, "purchase": 0, "signup": 1,
                                           "published": 1, "purchases": 0})


class RestartKindsTest(KindsServer):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="proof-kinds-")
        self.addCleanup(self.dir.cleanup)
        self.args = ("--data-dir", self.dir.name)
        super().setUp()

    def test_kinds_and_their_counts_outlive_a_restart(self):
        self.proof.publish(user_name="a", offer_name="Newsletter")
        self.proof.publish(user_name="b", kind="purchase")
        shopify(self.proof, 4001, "wh-1", line_items=[{"title": "Blue mug"}])
        before = self.counts(24)
        self.assertEqual(before, {"all": 3, "purchase": 2, "signup": 1,
                                  "published": 3, "purchases": 2})
        self.proof.stop()
        again = self.start(port=self.proof.port)
        replay = self.stream(again, "/events?replay=10")
        events = [self.next_event(replay) for _ in range(3)]
        self.assertEqual([e["kind"] for e in events], ["signup", "purchase", "purchase"])
        self.assertEqual(events[0]["offer_name"], "Newsletter")
        self.assertNotIn("offer_name", events[1])
        self.assertEqual((events[2]["offer_name"], events[2]["source"]), ("Blue mug", "shopify"))
        self.assertEqual(self.counts(23, again), before)
        # A browser resuming after the first event gets the rest with their kinds.
        resume = self.stream(again, f"/events?lastEventId={events[0]['id']}")
        self.assertEqual([self.next_event(resume)["kind"] for _ in range(2)],
                         ["purchase", "purchase"])


@requires("redis-server")
class RedisKindsTest(unittest.TestCase):
    """Two instances over one real Redis: purchases are counted together, kinds travel
    with the shared history, and an event appended before kinds reads as its source says."""

    def setUp(self):
        raise_fd_limit()
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)

    def instance(self):
        proof = Proof("--redis", self.redis.url, "--max-publish-rate", "0",
                      "--shopify-secret", SHOPIFY_SECRET)
        self.addCleanup(proof.kill)
        return proof

    summary = KindsServer.summary
    today = KindsServer.today
    counts = KindsServer.counts

    def test_two_instances_count_purchases_together(self):
        a, b = self.instance(), self.instance()
        stream = SSEClient(b.port, "/events")
        self.addCleanup(stream.close)
        a.publish(user_name="a")
        bought = a.publish(user_name="b", kind="purchase", channel="mug")["id"]
        b.publish(user_name="c", kind="purchase")
        shopify(b, 5001, "wh-1")
        # What a's purchase looks like on b's page.
        first = [stream.next_event()["json"] for _ in range(4)]
        self.assertEqual([e["kind"] for e in first], ["signup", "purchase", "purchase", "purchase"])
        self.assertNotIn("offer_name", first[1])
        expected = {"all": 4, "purchase": 3, "signup": 1, "published": 4, "purchases": 3}
        self.assertEqual(self.counts(24, a), expected)
        self.assertEqual(self.counts(23, b), expected)
        self.assertEqual(self.summary("hours=22&channel=mug&kind=purchase", b), 1)
        # Erased on b, uncounted as a purchase for both.
        self.assertEqual(b.request("DELETE", f"/events/{bought}", headers=AUTH)[0], 204)
        expected = {"all": 3, "purchase": 2, "signup": 1, "published": 3, "purchases": 2}
        self.assertEqual(self.counts(21, a), expected)
        self.assertEqual(self.summary("hours=20&channel=mug&kind=purchase", a), 0)
        # An instance started later replays the shared history with its kinds.
        late = self.instance()
        replay = SSEClient(late.port, "/events?replay=10")
        self.addCleanup(replay.close)
        kinds = []
        while (event := replay.next_event(timeout=1.0)) is not None:
            kinds.append(event["json"]["kind"])
        self.assertEqual(kinds, ["signup", "purchase", "purchase"])

    def test_an_entry_from_before_kinds_reads_as_its_source_says(self):
        # Entries as proof appended them before kinds: no "kind" in the signup's JSON.
        now = int(time.time() * 1000)
        for n, (name, source) in enumerate((("Ann", None), ("Jane D.", "stripe")), start=1):
            signup = {"user_name": name, "offer_name": "one of our partners",
                      "img_path": "/img/default.svg"}
            if source:
                signup["source"] = source
            event_id = now * 1000 + n
            self.redis.call("XADD", "proof:events", f"{event_id}-0", "id", str(event_id),
                            "ts", str(now), "signup", json.dumps(signup), "n", str(n))
            self.redis.call("SET", "proof:last_id", str(event_id))
            self.redis.call("SET", "proof:appended", str(n))
        proof = self.instance()
        replay = SSEClient(proof.port, "/events?replay=10")
        self.addCleanup(replay.close)
        events = [replay.next_event()["json"] for _ in range(2)]
        self.assertEqual([e["kind"] for e in events], ["signup", "purchase"])


if __name__ == "__main__":
    unittest.main()

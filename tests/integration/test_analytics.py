"""Card analytics: POST /beacon counted and refused by each rule, GET /stats with the key,
daily counts across a restart with --data-dir, the peak of open pages, /metrics, and the
`proof stats` table."""

import datetime
import itertools
import json
import os
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import API_KEY, PROOF_BIN, Proof, ProofTestCase, SSEClient, raise_fd_limit

SHOP = "https://shop.example"
AUTH = {"Authorization": f"Bearer {API_KEY}"}

# Each test sends from its own client address (X-Forwarded-For from the trusted loopback
# proxy), so that the per-address beacon rate of one test does not refuse another's.
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def get_stats(proof, query="", headers=AUTH):
    status, _, body = proof.request("GET", "/stats" + query, headers=headers)
    assert status == 200, (status, body)
    return json.loads(body)["days"]


def today(proof):
    (day,) = get_stats(proof, "?days=1")
    return day


class Beacons(ProofTestCase):
    server_args = ("--allowed-origin", SHOP, "--trusted-proxy", "127.0.0.1",
                   "--max-publish-rate", "0", "--history", "5")

    def setUp(self):
        self.address = next(_addresses)

    def beacon(self, body, content_type="text/plain;charset=UTF-8", origin=SHOP,
               address=None, raw=False):
        headers = {"X-Forwarded-For": address or self.address}
        if content_type:
            headers["Content-Type"] = content_type
        if origin:
            headers["Origin"] = origin
        data = body if raw else json.dumps(body)
        return self.proof.request("POST", "/beacon", data, headers)

    def event_id(self):
        return self.proof.publish(user_name="Jane", offer_name="Mug")["id"]

    def assert_refused(self, answer, status):
        got, headers, body = answer
        self.assertEqual(got, status, body)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertIsInstance(json.loads(body)["error"], str)

    def test_shown_and_click_are_counted_for_today(self):
        event = self.event_id()
        before = today(self.proof)
        shown_metric = self.proof.metric("proof_cards_shown_total")
        clicks_metric = self.proof.metric("proof_card_clicks_total")

        # As navigator.sendBeacon sends it: text/plain, from the shop's page.
        status, headers, body = self.beacon({"id": event, "kind": "shown"})
        self.assertEqual((status, body), (204, b""))
        self.assertEqual(headers.get("access-control-allow-origin"), SHOP)
        # JSON content type, the id as a string (as EventSource gives it), and the cards
        # that show no single event.
        self.assertEqual(self.beacon({"id": str(event), "kind": "click"},
                                     content_type="application/json")[0], 204)
        self.assertEqual(self.beacon({"card": "presence", "kind": "shown"})[0], 204)
        self.assertEqual(self.beacon({"card": "summary", "kind": "click"})[0], 204)

        after = today(self.proof)
        self.assertEqual(after["date"], utc_today().isoformat())
        self.assertEqual(after["shown"] - before["shown"], 2)
        self.assertEqual(after["clicks"] - before["clicks"], 2)
        self.assertEqual(after["published"], before["published"])
        self.assertEqual(self.proof.metric("proof_cards_shown_total") - shown_metric, 2)
        self.assertEqual(self.proof.metric("proof_card_clicks_total") - clicks_metric, 2)

    def test_without_origin_and_from_proofs_own_pages_accepted(self):
        event = self.event_id()
        before = today(self.proof)
        self.assertEqual(self.beacon({"id": event, "kind": "shown"}, origin=None)[0], 204)
        own = f"http://127.0.0.1:{self.proof.port}"
        self.assertEqual(self.beacon({"id": event, "kind": "shown"}, origin=own)[0], 204)
        self.assertEqual(today(self.proof)["shown"] - before["shown"], 2)

    def test_other_origins_are_refused(self):
        event = self.event_id()
        before = today(self.proof)
        self.assert_refused(self.beacon({"id": event, "kind": "click"},
                                        origin="https://evil.example"), 403)
        self.assertEqual(today(self.proof), before)

    def test_a_sandboxed_frame_may_count_like_a_request_without_origin(self):
        # A Shopify custom pixel runs in a sandboxed frame whose Origin is "null" (refused
        # until the goal beacon needed it): it may add to the counts, as curl without any
        # Origin may, and nothing more.
        event = self.event_id()
        before = today(self.proof)
        self.assertEqual(self.beacon({"id": event, "kind": "shown"}, origin="null")[0], 204)
        self.assertEqual(today(self.proof)["shown"] - before["shown"], 1)

    def test_preflight_for_a_json_beacon_from_an_allowed_origin(self):
        status, headers, _ = self.proof.request("OPTIONS", "/beacon", headers={
            "Origin": SHOP, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(headers.get("access-control-allow-origin"), SHOP)
        self.assertIn("POST", headers["access-control-allow-methods"])

    def test_an_id_not_in_the_history_is_refused(self):
        before = today(self.proof)
        self.assert_refused(self.beacon({"id": 12345, "kind": "shown"}), 404)
        # One this server issued but no longer holds (--history 5) counts nothing either.
        old = self.event_id()
        for _ in range(5):
            self.event_id()
        self.assert_refused(self.beacon({"id": old, "kind": "click"}), 404)
        # One above every issued id.
        newest = self.event_id()
        self.assert_refused(self.beacon({"id": newest + 1, "kind": "click"}), 404)
        after = today(self.proof)
        self.assertEqual((after["shown"], after["clicks"]), (before["shown"], before["clicks"]))

    def test_a_body_over_512_bytes_is_refused_before_parsing(self):
        event = self.event_id()
        before = today(self.proof)
        body = json.dumps({"id": event, "kind": "shown"})
        exactly = body[:-1] + " " * (512 - len(body)) + "}"
        self.assertEqual(len(exactly), 512)
        self.assertEqual(self.beacon(exactly, raw=True)[0], 204)
        over = exactly[:-1] + " }"
        self.assert_refused(self.beacon(over, raw=True), 413)
        # Not even looked at: the same size of garbage is a 413, not a 400.
        self.assert_refused(self.beacon("x" * 513, raw=True), 413)
        self.assertEqual(today(self.proof)["shown"] - before["shown"], 1)

    def test_more_than_5_a_second_from_one_address_after_a_burst_of_20_is_429(self):
        event = self.event_id()
        before = today(self.proof)
        answers = [self.beacon({"id": event, "kind": "shown"})[0] for _ in range(20)]
        self.assertEqual(answers, [204] * 20)
        status, headers, body = self.beacon({"id": event, "kind": "shown"})
        self.assert_refused((status, headers, body), 429)
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        # Another address keeps its own allowance.
        self.assertEqual(self.beacon({"id": event, "kind": "shown"},
                                     address=next(_addresses))[0], 204)
        self.assertEqual(today(self.proof)["shown"] - before["shown"], 21)
        # After a second the first address may report again.
        time.sleep(1.1)
        self.assertEqual(self.beacon({"id": event, "kind": "shown"})[0], 204)

    def test_malformed_beacons_are_400(self):
        event = self.event_id()
        before = today(self.proof)
        for body in ["", "not json", "{", "[]", '"shown"',
                     json.dumps({"id": event}),
                     json.dumps({"id": event, "kind": "hover"}),
                     json.dumps({"id": event, "kind": "published"}),
                     json.dumps({"kind": "shown"}),
                     json.dumps({"id": event, "card": "presence", "kind": "shown"}),
                     json.dumps({"card": "signup", "kind": "shown"}),
                     json.dumps({"id": -1, "kind": "shown"}),
                     json.dumps({"id": 1.5, "kind": "shown"})]:
            with self.subTest(body=body):
                address = next(_addresses)
                self.assert_refused(self.beacon(body, raw=True, address=address), 400)
        # A form body is not a beacon.
        self.assert_refused(self.beacon("id=1&kind=shown", raw=True, address=next(_addresses),
                                        content_type="application/x-www-form-urlencoded"), 415)
        self.assertEqual(today(self.proof), before)

    def test_nothing_a_stranger_sends_changes_published_or_peak(self):
        event = self.event_id()
        before = today(self.proof)
        for body in [{"id": event, "kind": "shown", "published": 1000, "peak_pages": 1000},
                     {"id": event, "kind": "click", "kind2": "published"}]:
            self.assertEqual(self.beacon(body, address=next(_addresses))[0], 204)
        after = today(self.proof)
        self.assertEqual(after["published"], before["published"])
        self.assertEqual(after["peak_pages"], before["peak_pages"])

    def test_get_is_not_a_beacon(self):
        status, headers, _ = self.proof.request("GET", "/beacon")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])


class Stats(ProofTestCase):
    server_args = ("--max-publish-rate", "0", "--allowed-origin", SHOP)

    def test_the_key_is_required(self):
        for headers in [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "wrong"},
                        {"Authorization": API_KEY}]:
            with self.subTest(headers=headers):
                status, res_headers, body = self.proof.request("GET", "/stats", headers=headers)
                self.assertEqual(status, 401)
                self.assertEqual(res_headers["content-type"], "application/json")
                self.assertIn("API key", json.loads(body)["error"])
                self.assertNotIn(API_KEY.encode(), body)
        self.assertEqual(len(get_stats(self.proof, headers={"X-API-Key": API_KEY})), 30)

    def test_n_days_oldest_first_ending_today_empty_days_as_zeros(self):
        for n in [1, 7, 30, 400]:
            with self.subTest(days=n):
                days = get_stats(self.proof, f"?days={n}")
                self.assertEqual(len(days), n)
                # Today last (a test run across midnight UTC would see either day).
                self.assertIn(days[-1]["date"],
                              {utc_today().isoformat(),
                               (utc_today() - datetime.timedelta(days=1)).isoformat()})
                dates = [datetime.date.fromisoformat(d["date"]) for d in days]
                self.assertEqual(dates, sorted(dates))
                self.assertTrue(all(b - a == datetime.timedelta(days=1)
                                    for a, b in zip(dates, dates[1:])))
                for day in days[:-1]:
                    self.assertEqual(day, {"date": day["date"], "published": 0, "purchases": 0,
                                           "shown": 0, "clicks": 0, "peak_pages": 0})
        self.assertEqual(len(get_stats(self.proof)), 30)

    def test_days_out_of_range_is_400(self):
        for query in ["?days=0", "?days=401", "?days=-1", "?days=abc", "?days=1.5", "?days=",
                      "?days=1000000000000", "?days=7&days=8"]:
            with self.subTest(query=query):
                status, _, body = self.proof.request("GET", "/stats" + query, headers=AUTH)
                self.assertEqual(status, 400, body)
                self.assertIn("days", json.loads(body)["error"])

    def test_published_counts_accepted_signups_only(self):
        before = today(self.proof)["published"]
        self.proof.publish(user_name="A")
        self.proof.publish(user_name="B")
        self.proof.publish(expect=401, api_key="wrong", user_name="C")
        self.proof.publish(expect=400, img_path="javascript:alert(1)")
        self.assertEqual(today(self.proof)["published"] - before, 2)

    def test_stats_is_not_offered_to_other_origins(self):
        status, _, _ = self.proof.request("GET", "/stats", headers={**AUTH,
                                                                     "Origin": "https://evil.example"})
        self.assertEqual(status, 403)


class PeakAndRestart(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.TemporaryDirectory(prefix="proof-stats-")
        self.addCleanup(self.dir.cleanup)

    def start(self, *args, port=None):
        proof = Proof("--data-dir", self.dir.name, "--max-publish-rate", "0", *args, port=port)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof):
        client = SSEClient(proof.port)
        self.addCleanup(client.close)
        self.assertEqual(client.status, 200)
        return client

    def test_peak_pages_is_the_most_streams_open_at_once(self):
        proof = self.start()
        self.assertEqual(today(proof)["peak_pages"], 0)
        streams = [self.stream(proof) for _ in range(3)]
        self.assertEqual(today(proof)["peak_pages"], 3)
        for s in streams:
            s.close()
        deadline = time.monotonic() + 5
        while proof.metric("proof_subscribers") > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(proof.metric("proof_subscribers"), 0)
        # Fewer pages later do not lower the day's peak; more raise it.
        self.stream(proof)
        self.assertEqual(today(proof)["peak_pages"], 3)
        more = [self.stream(proof) for _ in range(4)]
        self.assertEqual(len(more), 4)
        self.assertEqual(today(proof)["peak_pages"], 5)

    def test_counts_survive_a_restart_with_data_dir(self):
        first = self.start()
        event = first.publish(user_name="Jane")["id"]
        first.publish(user_name="Ahmed")
        self.stream(first)
        self.stream(first)
        for kind in ["shown", "shown", "click"]:
            status, _, body = first.request("POST", "/beacon",
                                            json.dumps({"id": event, "kind": kind}),
                                            {"Content-Type": "text/plain"})
            self.assertEqual(status, 204, body)
        counted = get_stats(first, "?days=3")
        self.assertEqual({k: v for k, v in counted[-1].items() if k != "date"},
                         {"published": 2, "purchases": 0, "shown": 2, "clicks": 1,
                          "peak_pages": 2})
        self.assertEqual(first.stop()[0], 0)

        second = self.start(port=first.port)
        self.assertEqual(get_stats(second, "?days=3"), counted)
        # The file holds counts only: a day number and five numbers, nothing about visitors.
        with sqlite3.connect(os.path.join(self.dir.name, "events.db")) as db:
            columns = [row[1] for row in db.execute("PRAGMA table_info(daily_stats)")]
        self.assertEqual(columns, ["day", "published", "shown", "clicks", "peak_pages",
                                   "purchases"])
        # Counting goes on from the stored numbers.
        second.publish(user_name="Lee")
        self.assertEqual(today(second)["published"], 3)

    def test_counts_survive_kill_9(self):
        first = self.start()
        first.publish(user_name="Jane")
        first.proc.kill()
        first.proc.wait()
        second = self.start(port=first.port)
        self.assertEqual(today(second)["published"], 1)

    def test_without_data_dir_counts_start_at_zero(self):
        first = Proof("--max-publish-rate", "0")
        self.addCleanup(first.kill)
        first.publish(user_name="Jane")
        self.assertEqual(today(first)["published"], 1)
        first.stop()
        second = Proof("--max-publish-rate", "0", port=first.port)
        self.addCleanup(second.kill)
        self.assertEqual(today(second)["published"], 0)


class StatsCommand(ProofTestCase):
    server_args = ("--max-publish-rate", "0")

    def run_stats(self, *args, key=API_KEY):
        return subprocess.run([PROOF_BIN, "stats", "--url", f"http://127.0.0.1:{self.proof.port}",
                               "--api-key", key, *args], capture_output=True, text=True,
                              timeout=20)

    def test_proof_stats_prints_the_days_as_a_table(self):
        event = self.proof.publish(user_name="Jane")["id"]
        self.proof.publish(user_name="Bo", kind="purchase")
        for kind in ["shown", "shown", "shown", "shown", "click"]:
            status, _, _ = self.proof.request("POST", "/beacon",
                                              json.dumps({"id": event, "kind": kind}))
            self.assertEqual(status, 204)
        expected = today(self.proof)
        res = self.run_stats("--days", "3")
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["date", "published", "purchases", "shown", "clicks",
                                            "CTR", "peak", "pages"])
        self.assertEqual(len(lines), 1 + 3 + 1)  # header, three days, total
        self.assertEqual(lines[3].split()[0], expected["date"])
        self.assertEqual(expected["purchases"], 1)
        self.assertEqual(lines[3].split()[1:5], [str(expected["published"]),
                                                 str(expected["purchases"]),
                                                 str(expected["shown"]),
                                                 str(expected["clicks"])])
        self.assertEqual(lines[3].split()[5], "25.0%")
        self.assertEqual(lines[1].split()[1:], ["0", "0", "0", "0", "-", "0"])
        self.assertEqual(lines[-1].split()[0], "total")

    def test_proof_stats_with_a_wrong_key_fails(self):
        res = self.run_stats(key="wrong")
        self.assertEqual(res.returncode, 1)
        self.assertIn("wrong API key", res.stderr)
        self.assertEqual(res.stdout, "")


if __name__ == "__main__":
    unittest.main()

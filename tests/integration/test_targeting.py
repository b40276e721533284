"""Issue 11 on the server: names reduced before storage, channels on live, replay and resume."""

import json
import os
import sqlite3
import tempfile
import unittest

from harness import API_KEY, Proof, ProofTestCase, SSEClient, raise_fd_limit


def post_json(proof, fields, expect=202):
    status, _, body = proof.request(
        "POST", "/signup", json.dumps(fields),
        {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"})
    assert status == expect, (status, body)
    return json.loads(body)


class DisplayNameTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.TemporaryDirectory(prefix="proof-names-")
        self.addCleanup(self.dir.cleanup)

    def stored_names(self):
        with sqlite3.connect(os.path.join(self.dir.name, "events.db")) as db:
            return [row[0] for row in db.execute("SELECT user_name FROM events ORDER BY id")]

    def run_mode(self, *args):
        proof = Proof("--data-dir", self.dir.name, *args)
        self.addCleanup(proof.kill)
        stream = SSEClient(proof.port)
        self.addCleanup(stream.close)
        post_json(proof, {"user_name": "Jane Doe", "offer_name": "Mug"})
        return stream.next_event()["json"]["user_name"]

    def test_default_is_initial_and_the_full_name_is_never_stored(self):
        self.assertEqual(self.run_mode(), "Jane D.")
        self.assertEqual(self.stored_names(), ["Jane D."])
        with open(os.path.join(self.dir.name, "events.db"), "rb") as f:
            self.assertNotIn(b"Jane Doe", f.read())

    def test_multibyte_initial_stays_whole(self):
        proof = Proof("--data-dir", self.dir.name)
        self.addCleanup(proof.kill)
        post_json(proof, {"user_name": "Jan \u017dak"})
        self.assertEqual(self.stored_names(), ["Jan \u017d."])

    def test_first(self):
        self.assertEqual(self.run_mode("--display-name", "first"), "Jane")
        self.assertEqual(self.stored_names(), ["Jane"])

    def test_none(self):
        self.assertEqual(self.run_mode("--display-name", "none"), "someone")
        self.assertEqual(self.stored_names(), ["someone"])

    def test_full(self):
        self.assertEqual(self.run_mode("--display-name", "full"), "Jane Doe")


class ChannelTest(ProofTestCase):
    server_args = ("--max-publish-rate", "0")

    def test_bad_channel_is_a_400_and_broadcasts_nothing(self):
        stream = self.sse()
        # "" left this list with issue 22: an empty field is an absent one (next test).
        for bad in ["Mug", "a b", "x" * 65, "m\u00fcg", "a/b"]:
            status, _, body = self.proof.request(
                "POST", "/signup", json.dumps({"user_name": "x", "channel": bad}),
                {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"})
            self.assertEqual(status, 400, bad)
            self.assertIn("channel", json.loads(body)["error"])
        self.assertIsNone(stream.next_event(timeout=0.3))
        status, _, body = self.proof.request("GET", "/events?channel=Bad!")
        self.assertEqual(status, 400)
        self.assertIn("channel", json.loads(body)["error"])

    def test_an_empty_channel_is_no_channel_as_an_html_form_sends_it(self):
        mug = self.sse("/events?channel=mug")
        everything = self.sse("/events?channel=")  # empty here too: every event
        form = self.proof.publish(user_name="Formy", channel="", city="", url="")
        status, _, body = self.proof.request(
            "POST", "/signup", json.dumps({"user_name": "Jason", "channel": ""}),
            {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"})
        self.assertEqual(status, 202, body)
        for stream in (mug, everything):
            first, second = stream.next_event(), stream.next_event()
            self.assertEqual([first["json"]["user_name"], second["json"]["user_name"]],
                             ["Formy", "Jason"])
            self.assertNotIn("channel", first["json"])
            self.assertEqual(int(first["id"]), form["id"])

    def test_live_stream_gets_its_channel_and_channel_less_events(self):
        mug = self.sse("/events?channel=mug")
        tea = self.sse("/events?channel=tea")
        every = self.sse("/events")
        a = post_json(self.proof, {"user_name": "a", "channel": "mug"})["id"]
        b = post_json(self.proof, {"user_name": "b", "channel": "tea"})["id"]
        c = post_json(self.proof, {"user_name": "c"})["id"]
        got_mug = [mug.next_event() for _ in range(2)]
        self.assertEqual([int(e["id"]) for e in got_mug], [a, c])
        self.assertEqual(got_mug[0]["json"]["channel"], "mug")
        self.assertNotIn("channel", got_mug[1]["json"])
        self.assertIsNone(mug.next_event(timeout=0.3))
        self.assertEqual([int(tea.next_event()["id"]) for _ in range(2)], [b, c])
        self.assertEqual([int(every.next_event()["id"]) for _ in range(3)], [a, b, c])

    def test_replay_and_resume_respect_the_channel(self):
        a = post_json(self.proof, {"user_name": "ra", "channel": "shoe"})["id"]
        b = post_json(self.proof, {"user_name": "rb", "channel": "hat"})["id"]
        c = post_json(self.proof, {"user_name": "rc"})["id"]
        d = post_json(self.proof, {"user_name": "rd", "channel": "hat"})["id"]
        replay = self.sse("/events?channel=shoe&replay=2")
        self.assertEqual([int(replay.next_event()["id"]) for _ in range(2)], [a, c])
        self.assertIsNone(replay.next_event(timeout=0.3))
        resume = self.sse("/events?channel=hat", headers={"Last-Event-ID": str(a)})
        self.assertEqual([int(resume.next_event()["id"]) for _ in range(3)], [b, c, d])
        self.assertIsNone(resume.next_event(timeout=0.3))
        # A live event of another channel after the resume does not reach it; one of its
        # own does.
        post_json(self.proof, {"user_name": "re", "channel": "shoe"})
        f = post_json(self.proof, {"user_name": "rf", "channel": "hat"})["id"]
        self.assertEqual(int(resume.next_event()["id"]), f)


class ChannelDurableTest(unittest.TestCase):
    def test_channel_survives_a_restart(self):
        raise_fd_limit()
        data = tempfile.TemporaryDirectory(prefix="proof-chan-")
        self.addCleanup(data.cleanup)
        first = Proof("--data-dir", data.name)
        self.addCleanup(first.kill)
        a = post_json(first, {"user_name": "x", "channel": "mug"})["id"]
        post_json(first, {"user_name": "y", "channel": "tea"})
        first.stop()
        second = Proof("--data-dir", data.name)
        self.addCleanup(second.kill)
        stream = SSEClient(second.port, "/events?channel=mug&replay=5")
        self.addCleanup(stream.close)
        event = stream.next_event()
        self.assertEqual(int(event["id"]), a)
        self.assertEqual(event["json"]["channel"], "mug")
        self.assertIsNone(stream.next_event(timeout=0.3))


if __name__ == "__main__":
    unittest.main()

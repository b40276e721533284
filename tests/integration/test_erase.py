"""DELETE /events/ID: erasure from the history, the store, replay and resume, live pages,
across a restart with --data-dir, on every instance sharing Redis, and from `proof erase`."""

import json
import os
import subprocess
import tempfile
import time
import unittest
from urllib.parse import urlencode

from harness import API_KEY, PROOF_BIN, Proof, SSEClient
from tools import requires
from test_redis import REDIS, RedisServer, read_events


def files_holding(directory, needles):
    """{path: [needles found]} for every file under `directory` holding one of `needles`,
    read as raw bytes: a database's free pages and its write-ahead log are bytes like any."""
    found = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:  # a journal that came and went
                continue
            hits = [n for n in needles if n in data]
            if hits:
                found[path] = hits
    return found


def erase(proof, event_id, key=API_KEY):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return proof.request("DELETE", f"/events/{event_id}", headers=headers)


class EraseTest(unittest.TestCase):
    def test_an_erased_event_leaves_live_pages_replay_resume_and_the_store(self):
        data_dir = tempfile.mkdtemp(prefix="proof-erase-")
        proof = Proof("--data-dir", data_dir, "--display-name", "full")
        self.addCleanup(proof.kill)
        live = SSEClient(proof.port)
        self.addCleanup(live.close)
        ids = [proof.publish(user_name=f"e{i}")["id"] for i in range(3)]
        self.assertEqual(len(read_events(live, 3)), 3)

        status, _, body = erase(proof, ids[1])
        self.assertEqual(status, 204, body)
        notice = live.next_event()
        self.assertEqual(notice["event"], "erase")
        self.assertEqual(notice["json"], {"id": ids[1]})
        self.assertNotIn("id", notice, "an erase notice must not move Last-Event-ID")

        replay = SSEClient(proof.port, "/events?replay=10")
        self.addCleanup(replay.close)
        self.assertEqual([int(e["id"]) for e in read_events(replay, 2)], [ids[0], ids[2]])
        resumed = SSEClient(proof.port, headers={"Last-Event-ID": str(ids[0])})
        self.addCleanup(resumed.close)
        self.assertEqual([int(e["id"]) for e in read_events(resumed, 1)], [ids[2]])
        self.assertIsNone(resumed.next_event(timeout=0.3))

        # Gone from the SQLite file too: a restart does not bring it back.
        proof.stop()
        again = Proof("--data-dir", data_dir, "--display-name", "full", port=proof.port)
        self.addCleanup(again.kill)
        after = SSEClient(again.port, "/events?replay=10")
        self.addCleanup(after.close)
        self.assertEqual([e["json"]["user_name"] for e in read_events(after, 2)], ["e0", "e2"])
        with open(f"{data_dir}/events.db", "rb") as db:
            self.assertNotIn(b"e1", db.read().replace(b"\x00", b""))

    def test_an_erased_signup_is_in_no_file_of_the_data_dir_within_a_second(self):
        # A hostile tester's finding: after the 204 the name was still in events.db-wal,
        # waiting for a checkpoint. Every file proof keeps under --data-dir is searched:
        # events.db (free pages), its -wal and -shm, deliveries.db (the Idempotency-Key).
        data_dir = tempfile.mkdtemp(prefix="proof-erase-files-")
        proof = Proof("--data-dir", data_dir)  # --display-name initial: stored as "Quillon V."
        self.addCleanup(proof.kill)
        for i in range(3):
            proof.publish(user_name=f"Keptperson Number{i}", offer_name="Ordinary Plan")
        fields = {"api_key": API_KEY, "user_name": "Quillon Vantzerbrook",
                  "offer_name": "Zephyrine Plan", "city": "Oxtrowbridge",
                  "url": "https://shop.example/zephyrine"}
        status, _, body = proof.request(
            "POST", "/signup", urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded",
             "Idempotency-Key": "erase-files-test-1"})
        self.assertEqual(status, 202, body)
        erased = json.loads(body)["id"]
        proof.publish(user_name="Keptperson Last", offer_name="Ordinary Plan")
        needles = [b"Quillon", b"Quillon V.", b"Vantzerbrook", b"Zephyrine", b"Oxtrowbridge"]
        # The search finds text proof keeps: before the erase the signup is on disk.
        self.assertTrue(files_holding(data_dir, needles), "the signup was never written")

        status, _, body = erase(proof, erased)
        self.assertEqual(status, 204, body)
        deadline = time.monotonic() + 1.0
        while True:
            left = files_holding(data_dir, needles)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(left, {}, "the erased signup is still on disk a second after the 204")
        # The rest is kept, and the server still works on the same files.
        self.assertTrue(files_holding(data_dir, [b"Keptperson L."]), "kept events were lost")
        after = proof.publish(user_name="Keptperson After", offer_name="Ordinary Plan")["id"]
        self.assertGreater(after, erased)

    def test_refusals_unknown_id_no_key_wrong_key_bad_id(self):
        proof = Proof()
        self.addCleanup(proof.kill)
        event_id = proof.publish(user_name="kept")["id"]
        self.assertEqual(erase(proof, event_id, key=None)[0], 401)
        self.assertEqual(erase(proof, event_id, key="wrong")[0], 401)
        self.assertEqual(erase(proof, event_id + 1)[0], 404)
        status, _, body = erase(proof, "abc")
        self.assertEqual(status, 400, body)
        self.assertIn(b'"error"', body)
        # None of these erased anything.
        replay = SSEClient(proof.port, "/events?replay=1")
        self.addCleanup(replay.close)
        self.assertEqual(int(read_events(replay, 1)[0]["id"]), event_id)

    def test_x_api_key_404_json_and_a_cross_origin_preflight(self):
        proof = Proof("--allowed-origin", "https://shop.example")
        self.addCleanup(proof.kill)
        event_id = proof.publish(user_name="x")["id"]
        status, headers, body = erase(proof, event_id + 1)
        self.assertEqual(status, 404)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertIn("error", json.loads(body))
        # A browser on the operator's allowed origin may ask to DELETE with the key header.
        status, headers, _ = proof.request("OPTIONS", f"/events/{event_id}", headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-api-key"})
        self.assertEqual(status, 204)
        self.assertEqual(headers.get("access-control-allow-origin"), "https://shop.example")
        self.assertIn("DELETE", headers.get("access-control-allow-methods", ""))
        self.assertIn("X-API-Key", headers.get("access-control-allow-headers", ""))
        status, _, _ = proof.request("OPTIONS", f"/events/{event_id}", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
        self.assertEqual(status, 403)
        # The key in X-API-Key works as well as Authorization: Bearer.
        status, _, body = proof.request("DELETE", f"/events/{event_id}", headers={"X-API-Key": API_KEY})
        self.assertEqual(status, 204, body)
        self.assertEqual(erase(proof, event_id)[0], 404)

    def test_proof_erase_from_a_shell(self):
        proof = Proof()
        self.addCleanup(proof.kill)
        event_id = proof.publish(user_name="shell")["id"]
        url = f"http://127.0.0.1:{proof.port}"
        done = subprocess.run([PROOF_BIN, "erase", str(event_id), "--url", url, "--api-key", API_KEY],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        again = subprocess.run([PROOF_BIN, "erase", str(event_id), "--url", url, "--api-key", API_KEY],
                               capture_output=True, text=True, timeout=10)
        self.assertNotEqual(again.returncode, 0)

    @requires("redis-server")
    def test_erasure_reaches_every_instance_sharing_redis(self):
        redis = RedisServer()
        self.addCleanup(redis.close)
        a = Proof("--redis", redis.url)
        b = Proof("--redis", redis.url)
        self.addCleanup(a.kill)
        self.addCleanup(b.kill)
        on_b = SSEClient(b.port)
        self.addCleanup(on_b.close)
        event_id = a.publish(user_name="shared")["id"]
        self.assertEqual(int(read_events(on_b, 1)[0]["id"]), event_id)
        self.assertEqual(erase(a, event_id)[0], 204)
        notice = on_b.next_event()
        self.assertEqual((notice["event"], notice["json"]), ("erase", {"id": event_id}))
        late = Proof("--redis", redis.url)
        self.addCleanup(late.kill)
        replay = SSEClient(late.port, "/events?replay=10")
        self.addCleanup(replay.close)
        self.assertIsNone(replay.next_event(timeout=0.5), "an instance started later replayed it")


if __name__ == "__main__":
    unittest.main()

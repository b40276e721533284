"""proof against a Redis that asks for a password, where the README's ACL rule for a proof
user is the only way in (the default user is off): everything works through it, every
command it allows is one proof uses, a command or key outside it is refused; a wrong
password is a clear error at start; the password never shows."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path
from urllib.parse import urlencode

from harness import API_KEY, PROOF_BIN, PUBLIC_DIR, ROOT, Proof, SSEClient, free_port, raise_fd_limit
from tools import requires
from test_redis import REDIS, RedisError, RedisServer, names, read_events

PASSWORD = "s3cret-7f3a-p@ss:w/rd"  # @ : / as real passwords have them
ADMIN = ("admin", "admin-pw-91c2")
URL_PASSWORD = PASSWORD.replace("@", "%40").replace(":", "%3A").replace("/", "%2F")


def readme_rule():
    """The ACL line the README gives, as the operator copies it."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^user proof on >PASSWORD .*$", text, flags=re.M)
    assert match, "the README gives no ACL line for the proof user"
    return match.group(0)


def rule_commands(rule):
    return {word[1:] for word in rule.split() if word.startswith("+")}


def commandstats(client):
    """{command: (calls, rejected)} from INFO commandstats."""
    stats = {}
    for line in client.call("INFO", "commandstats").splitlines():
        match = re.match(r"cmdstat_([^:]+):calls=(\d+),.*rejected_calls=(\d+)", line)
        if match:
            stats[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return stats


def signup_ids(stream, count):
    """The ids of the next `count` signups on `stream`, skipping presence counts."""
    ids = []
    deadline = time.monotonic() + 5
    while len(ids) < count and time.monotonic() < deadline:
        event = stream.next_event(max(0.0, deadline - time.monotonic()))
        if event is None:
            break
        if "id" in event:
            ids.append(int(event["id"]))
    return ids


def wait_for(probe, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not probe() and time.monotonic() < deadline:
        time.sleep(0.1)
    return probe()


@requires("redis-server")
class RedisAclTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit()
        self.dir = tempfile.TemporaryDirectory(prefix="proof-acl-")
        self.addCleanup(self.dir.cleanup)
        acl = Path(self.dir.name) / "users.acl"
        acl.write_text("user default off\n"
                       f"user {ADMIN[0]} on >{ADMIN[1]} ~* &* +@all\n"
                       + readme_rule().replace(">PASSWORD", ">" + PASSWORD) + "\n")
        # Small stream nodes, so MAXLEN ~ trims close to --history and a gap can be made.
        self.redis = RedisServer(args=["--aclfile", str(acl), "--stream-node-max-entries", "2"],
                                 admin=ADMIN)
        self.addCleanup(self.redis.close)
        self.url = f"redis://proof:{URL_PASSWORD}@127.0.0.1:{self.redis.port}/1"

    def instance(self, *args, url=None, env=None):
        proof = Proof("--redis", url or self.url, "--heartbeat", "1", "--presence-interval", "1",
                      "--history", "5", "--trusted-proxy", "127.0.0.1",
                      "--max-publish-rate", "0", *args, env=env)
        self.addCleanup(proof.kill)
        return proof

    def stream(self, proof, path="/events"):
        stream = SSEClient(proof.port, path)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        return stream

    def signup(self, proof, fields, key):
        return proof.request("POST", "/signup", urlencode({"api_key": API_KEY, **fields}),
                             {"Content-Type": "application/x-www-form-urlencoded",
                              "Idempotency-Key": key})

    def run_proof(self, *args, env=None):
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("PROOF_API_KEY", "PROOF_REDIS_PASSWORD")}
        full_env.update(env or {})
        command = [a for a in args[:1] if a == "check-config"]
        rest = args[len(command):]
        return subprocess.run([PROOF_BIN, *command, "--api-key", API_KEY, "--public-dir",
                               PUBLIC_DIR, "--port", str(free_port()), *rest],
                              capture_output=True, text=True, timeout=20, env=full_env)

    def test_everything_works_through_the_readme_rule_and_it_names_only_what_proof_uses(self):
        rule = readme_rule()
        # The key store at its bound (KeyStore::kMaxKeys), so that remembering one more key
        # drops the one that expires soonest: the eviction commands run too.
        admin = self.redis.client()
        self.addCleanup(admin.close)
        admin.call("SELECT", "1")  # proof's database, from the URL
        admin.call("EVAL", "for i = 1, 200000 do redis.call('ZADD', KEYS[1], 9e15, "
                   "'proof:seen:old' .. i) end", "1", "proof:seen")
        admin.call("CONFIG", "RESETSTAT")
        admin.call("ACL", "LOG", "RESET")

        a, b, c = self.instance(), self.instance(), self.instance()
        site = self.stream(a, "/events?presence=1")
        mug = self.stream(b, "/events?channel=mug")
        late = self.stream(c)
        sent = [a.publish(user_name="Ann")["id"], b.publish(user_name="Bob", channel="mug")["id"]]
        for stream in (site, mug, late):
            self.assertEqual(signup_ids(stream, 2), sent)

        # Idempotency-Key: the same key and body answer the same id, once published; a
        # refused request frees its key.
        status, _, body = self.signup(a, {"user_name": "Kim"}, "order-1")
        self.assertEqual(status, 202, body)
        status, headers, again = self.signup(b, {"user_name": "Kim"}, "order-1")
        self.assertEqual((status, json.loads(again)), (202, json.loads(body)))
        self.assertEqual(headers.get("idempotent-replayed"), "true")
        status, _, _ = self.signup(a, {"user_name": "Kim", "url": "javascript:x"}, "order-2")
        self.assertEqual(status, 400)
        sent.append(json.loads(body)["id"])
        self.assertEqual(names(read_events(late, 1)), ["Kim"])

        # Erasure, the counts, a beacon.
        status, _, _ = a.request("DELETE", f"/events/{sent[0]}", headers={"X-API-Key": API_KEY})
        self.assertEqual(status, 204)
        self.assertEqual(b.request("GET", "/summary?hours=1")[0], 200)
        self.assertEqual(c.request("GET", "/stats?days=2", headers={"X-API-Key": API_KEY})[0], 200)
        status, _, _ = b.request("POST", "/beacon", json.dumps({"id": sent[1], "kind": "shown"}),
                                 {"Content-Type": "text/plain", "X-Forwarded-For": "198.51.100.9"})
        self.assertEqual(status, 204)

        # A gap: c is frozen while the stream moves on past what it had read.
        c.proc.send_signal(signal.SIGSTOP)
        for i in range(12):
            a.publish(user_name=f"g{i}")
        c.proc.send_signal(signal.SIGCONT)
        self.assertTrue(wait_for(lambda: c.metric("proof_redis_gap_events_total") > 0),
                        c.logs()[-2000:])

        # b leaves the live count as it stops; the others see it go.
        self.assertEqual(b.stop()[0], 0)
        time.sleep(2.5)  # two more presence exchanges and card counts

        self.assertEqual(admin.call("ACL", "LOG"), [], "Redis refused proof something")
        stats = commandstats(admin)
        used = {name for name, (calls, _) in stats.items() if calls > 0}
        used -= {"info", "acl|log", "config|resetstat"}  # the test's own
        self.assertEqual(used, rule_commands(rule) | {"auth"},
                         "the rule allows something proof does not use, or the reverse")
        self.assertEqual({n for n, (_, rejected) in stats.items() if rejected}, set())

        # Exact: outside the rule, a command or a key is refused.
        proof_user = self.redis.client("proof", PASSWORD)
        self.addCleanup(proof_user.close)
        for command in (("FLUSHALL",), ("KEYS", "*"), ("CONFIG", "GET", "dir"),
                        ("GET", "other-site:last_id"), ("PUBLISH", "proof:x", "1"),
                        ("EVAL", "return redis.call('FLUSHDB')", "0")):
            with self.assertRaises(RedisError, msg=command) as refused:
                proof_user.call(*command)
            self.assertRegex(str(refused.exception), r"NOPERM|can't run|can't access|no permissions")
        self.assertEqual(proof_user.call("SELECT", "1"), "OK")
        for proof in (a, c):
            self.assertNotIn(PASSWORD, proof.logs())
            self.assertNotIn(URL_PASSWORD, proof.logs())

    def test_a_wrong_password_stops_proof_at_start_and_check_config_says_so(self):
        wrong = self.url.replace(URL_PASSWORD, "not-the-password-e41")
        done = self.run_proof("--redis", wrong)
        output = done.stdout + done.stderr
        self.assertEqual(done.returncode, 2, output)
        self.assertIn("Redis refused the password of user 'proof'", output)
        self.assertIn("WRONGPASS", output)
        self.assertIn("redis://proof:***@127.0.0.1", output)
        self.assertNotIn("not-the-password-e41", output)

        check = self.run_proof("check-config", "--redis", wrong)
        self.assertEqual(check.returncode, 2, check.stdout + check.stderr)
        self.assertIn("Redis refused the password of user 'proof'", check.stderr)
        self.assertNotIn("not-the-password-e41", check.stdout + check.stderr)

        good = self.run_proof("check-config", "--redis", self.url)
        self.assertEqual(good.returncode, 0, good.stderr)
        self.assertIn(f'redis = "redis://proof:***@127.0.0.1:{self.redis.port}/1"', good.stdout)
        self.assertNotIn(URL_PASSWORD, good.stdout + good.stderr)

        # No password at all, or a prefix outside the user's keys: said as clearly.
        bare = self.run_proof("--redis", f"redis://127.0.0.1:{self.redis.port}/1")
        self.assertEqual(bare.returncode, 2)
        self.assertIn("Redis asks for a password", bare.stderr)
        other = self.run_proof("--redis", self.url, "--redis-prefix", "shop")
        self.assertEqual(other.returncode, 2)
        self.assertIn("does not let user 'proof' read shop:last_id", other.stderr)

    def test_the_password_from_a_file_or_the_environment_on_every_reconnect(self):
        password_file = Path(self.dir.name) / "redis-password"
        password_file.write_text(PASSWORD + "\n")
        password_file.chmod(0o600)
        user_only = f"redis://proof@127.0.0.1:{self.redis.port}/1"
        a = self.instance("--redis-password-file", str(password_file), url=user_only)
        b = self.instance(url=user_only, env={"PROOF_REDIS_PASSWORD": PASSWORD})
        watcher = self.stream(b)
        a.publish(user_name="before")
        self.assertEqual(names(read_events(watcher, 1)), ["before"])

        # A Redis restart: each instance authenticates again on its new connections.
        self.redis.stop()
        self.redis.start()
        for proof in (a, b):
            self.assertTrue(wait_for(lambda: proof.request("GET", "/healthz")[0] == 200),
                            proof.logs()[-1000:])
        a.publish(user_name="after")
        self.assertEqual(names(read_events(watcher, 1)), ["after"])

        for proof in (a, b):
            _, _, metrics = proof.request("GET", "/metrics")
            _, _, health = proof.request("GET", "/healthz")
            _, _, admin_page = proof.request("GET", "/admin")
            for text in (proof.logs(), metrics.decode(), health.decode(), admin_page.decode()):
                self.assertNotIn(PASSWORD, text)
            self.assertIn("redis://proof@127.0.0.1", proof.logs())  # the startup line


if __name__ == "__main__":
    unittest.main()

"""`proof send` and `proof check-config` against a running server on loopback.

usage: test_operator_tools.py PROOF_BINARY"""

import json
import os
import sys

from deploylib import check, free_port, open_stream, proof_server, read_until, run, tempdir

binary = sys.argv[1]
key = "operator-tools-test-key"

with tempdir() as tmp:
    port = free_port()
    config = os.path.join(tmp, "proof.conf")
    with open(config, "w") as f:
        f.write(f'bind = "127.0.0.1"\nport = {port}\napi-key = "{key}"\nhistory = 7\n')

    # check-config: valid file, effective settings, key redacted.
    result = run([binary, "check-config", "--config", config])
    check(result.returncode == 0, f"check-config refused a valid file: {result.stderr}")
    check(f"port = {port}" in result.stdout, "check-config did not print the port:\n" + result.stdout)
    check("history = 7" in result.stdout, "check-config did not print the file's history")
    check(key not in result.stdout + result.stderr, "check-config printed the API key")
    check("redacted" in result.stdout, "check-config does not say the key is redacted")

    # A flag given with check-config wins over the file, as it would for the server.
    result = run([binary, "check-config", "--config", config, "--history", "9"])
    check("history = 9" in result.stdout, "a flag did not override the file in check-config")

    # Errors: an unknown key names itself; an out-of-range value; no key at all.
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write(f'api-key = "{key}"\nmax-subscriber = 5\n')
    result = run([binary, "check-config", "--config", bad])
    check(result.returncode != 0, "check-config accepted an unknown key")
    check("max-subscriber" in result.stderr, "the error does not name the unknown key: " + result.stderr)
    with open(bad, "w") as f:
        f.write(f'api-key = "{key}"\nport = 70000\n')
    result = run([binary, "check-config", "--config", bad])
    check(result.returncode != 0 and "70000" in result.stderr, "port 70000 passed: " + result.stderr)
    with open(bad, "w") as f:
        f.write("port = 6009\n")
    env = {k: v for k, v in os.environ.items() if k != "PROOF_API_KEY"}
    result = run([binary, "check-config", "--config", bad], env=env)
    check(result.returncode != 0 and "API key" in result.stderr, "no key passed: " + result.stderr)

    with proof_server(binary, port, key):
        stream = open_stream(f"http://127.0.0.1:{port}/events")

        # send with the config file: the URL comes from its bind and port.
        result = run([binary, "send", "--config", config, "--user", "Jane", "--offer", "Newsletter",
                      "--city", "Lyon"])
        check(result.returncode == 0, f"send failed: {result.stderr}")
        event_id = result.stdout.strip()
        check(event_id.isdigit(), f"send printed {result.stdout!r}, not an event id")
        block = read_until(stream, "Newsletter")
        check(f"id: {event_id}" in block, f"the stream's event is not {event_id}:\n{block}")
        data = json.loads(block.split("data:", 1)[1].split("\n", 1)[0])
        check(data.get("city") == "Lyon", f"city did not arrive: {data}")

        # send with --url and --api-key, and PROOF_API_KEY.
        url = f"http://127.0.0.1:{port}"
        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "A", "--offer", "B"])
        check(result.returncode == 0, f"send --api-key failed: {result.stderr}")
        result = run([binary, "send", "--url", url, "--user", "A", "--offer", "B"],
                     env={**env, "PROOF_API_KEY": key})
        check(result.returncode == 0, f"send with PROOF_API_KEY failed: {result.stderr}")

        # Failures: the server's own message, non-zero exit.
        result = run([binary, "send", "--url", url, "--api-key", "wrong", "--user", "A", "--offer", "B"])
        check(result.returncode != 0, "send with a wrong key exited 0")
        check("401" in result.stderr and "key" in result.stderr.lower(),
              "the server's refusal is not shown: " + result.stderr)
        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "A",
                      "--offer", "B", "--link", "javascript:alert(1)"])
        check(result.returncode != 0 and "400" in result.stderr, "a bad link passed: " + result.stderr)
    result = run([binary, "send", "--url", url, "--api-key", key, "--user", "A", "--offer", "B"])
    check(result.returncode != 0 and "could not connect" in result.stderr,
          "a stopped server is not reported: " + result.stderr)

print("ok: send and check-config")

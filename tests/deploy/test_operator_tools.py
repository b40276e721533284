"""`proof send`, `erase`, `stats`, `health` and `check-config` as an operator runs them:
against a running server on loopback, a TLS one, and no server at all; exit status 0 ok,
1 failure, 2 bad settings.

usage: test_operator_tools.py PROOF_BINARY"""

import json
import os
import sys

from deploylib import (check, free_port, make_certificate, open_stream, proof_server, read_until,
                       run, tempdir)

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

    # check-config refuses what the server would refuse at start, file errors name the
    # file, the line and the key, and the example's placeholder key is warned about.
    for text, expected in ((f'api-key = "{key}"\nbind = "999.1.1.1"\n', ":2: bind: "),
                           (f'api-key = "{key}"\ntrusted-proxy = ["not-an-ip"]\n',
                            ":2: trusted-proxy: 'not-an-ip'"),
                           (f'api-key = "{key}"\nport = "abc"\n', ":2: port: 'abc' is not a whole number"),
                           (f'[proof]\napi-key = "{key}"\n', ":1: sections")):
        with open(bad, "w") as f:
            f.write(text)
        result = run([binary, "check-config", "--config", bad])
        check(result.returncode == 2 and bad + expected in result.stderr,
              f"check-config on {text!r}: {result.returncode} {result.stderr}")
    cert, cert_key = make_certificate(tmp)
    other = os.path.join(tmp, "other")
    os.mkdir(other)
    _, other_key = make_certificate(other)
    result = run([binary, "check-config", "--api-key", key, "--tls-cert", cert, "--tls-key", other_key])
    check(result.returncode == 2 and "does not belong to the certificate" in result.stderr,
          "a key of another certificate passed: " + result.stderr)
    result = run([binary, "check-config", "--api-key", key, "--tls-cert", cert, "--tls-key", cert_key])
    check(result.returncode == 0, "a matching TLS pair was refused: " + result.stderr)
    result = run([binary, "check-config", "--api-key", "change-me"])
    check(result.returncode == 0 and "change-me" in result.stderr and "warning" in result.stderr,
          "no warning for the placeholder key: " + result.stderr)

    # Webhook secrets: checked, named when wrong, never printed.
    secret = "whsec_c2VjcmV0LWZvci1vcGVyYXRvci10ZXN0cw=="
    result = run([binary, "check-config", "--api-key", key, "--webhook-secret", secret,
                  "--stripe-secret", "whsec_stripe_operator_test", "--accept-test-events"])
    check(result.returncode == 0, "valid webhook secrets were refused: " + result.stderr)
    check(secret not in result.stdout + result.stderr and "whsec_stripe" not in result.stdout,
          "check-config printed a webhook secret:\n" + result.stdout)
    check("# webhook-secret = (set, redacted)" in result.stdout, "no redacted secret:\n" + result.stdout)
    for flag, value, expected in (("--webhook-secret", "whsec_not*base64", "base64"),
                                  ("--stripe-secret", "sk_live_abc", "API key")):
        result = run([binary, "check-config", "--api-key", key, flag, value])
        check(result.returncode == 2 and flag in result.stderr and expected in result.stderr
              and value not in result.stderr, f"{flag} {value}: {result.returncode} {result.stderr}")

    # Settings from the environment, and check-config says where each came from.
    result = run([binary, "check-config", "--config", config],
                 env={**env, "PROOF_HISTORY": "8", "PROOF_ALLOWED_ORIGIN": "https://a.example https://b.example"})
    check(result.returncode == 0, "PROOF_ variables were refused: " + result.stderr)
    check("history = 8  # from PROOF_HISTORY" in result.stdout,
          "PROOF_HISTORY did not override the file:\n" + result.stdout)
    check('allowed-origin = ["https://a.example", "https://b.example"]  # from PROOF_ALLOWED_ORIGIN'
          in result.stdout, "PROOF_ALLOWED_ORIGIN is not a list of two:\n" + result.stdout)
    check(f"port = {port}  # from {config}" in result.stdout, "the file's port has no origin")
    result = run([binary, "check-config", "--config", config], env={**env, "PROOF_PORT": "70000"})
    check(result.returncode == 2 and "PROOF_PORT: 70000" in result.stderr,
          "PROOF_PORT=70000 is not named: " + result.stderr)

    # The operator commands' help names where the key comes from.
    for command in ("send", "erase", "stats"):
        text = run([binary, command, "--help"]).stdout
        for option in ("--config", "--api-key", "--url", "--ca-cert"):
            check(option in text, f"{command} --help does not list {option}:\n{text}")
    result = run([binary, "erase", "12ab", "--api-key", key])
    check(result.returncode == 2 and "digits" in result.stderr, "erase took a non-numeric id: " + result.stderr)
    result = run([binary, "stats", "--days", "401", "--api-key", key])
    check(result.returncode == 2, "stats took --days 401")

    data_dir = os.path.join(tmp, "data")
    with proof_server(binary, port, key, ["--data-dir", data_dir]):
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
        # The README's example, as written there (with this server's address and key).
        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "Jane",
                      "--offer", "Newsletter"])
        check(result.returncode == 0 and result.stdout.strip().isdigit(),
              f"the README's send example failed: {result.stderr}")
        # The endpoint's own URL means the server it belongs to (not /signup/signup).
        result = run([binary, "send", "--url", url + "/signup", "--api-key", key, "--user", "A",
                      "--offer", "B"])
        check(result.returncode == 0, f"send --url .../signup failed: {result.stderr}")
        # https to an http server: a sentence, not a library enum.
        result = run([binary, "send", "--url", f"https://127.0.0.1:{port}", "--api-key", key,
                      "--user", "A", "--offer", "B"])
        check(result.returncode == 1 and "TLS handshake failed" in result.stderr
              and "SSL" not in result.stderr, "https to http: " + result.stderr)
        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "A", "--offer", "B"])
        check(result.returncode == 0, f"send --api-key failed: {result.stderr}")
        result = run([binary, "send", "--url", url, "--user", "A", "--offer", "B"],
                     env={**env, "PROOF_API_KEY": key})
        check(result.returncode == 0, f"send with PROOF_API_KEY failed: {result.stderr}")

        # health: no key; the address from --url, the file, or the variables as a container
        # sets them (0.0.0.0 is asked on 127.0.0.1).
        for args, extra in ((["--url", url], {}), (["--config", config], {}),
                            ([], {"PROOF_BIND": "0.0.0.0", "PROOF_PORT": str(port)})):
            result = run([binary, "health", *args], env={**env, **extra})
            check(result.returncode == 0 and '"status":"ok"' in result.stdout,
                  f"health {args} {extra}: {result.returncode} {result.stdout} {result.stderr}")

        # Failures: the server's own message, non-zero exit.
        result = run([binary, "send", "--url", url, "--api-key", "wrong", "--user", "A", "--offer", "B"])
        check(result.returncode != 0, "send with a wrong key exited 0")
        check("401" in result.stderr and "key" in result.stderr.lower(),
              "the server's refusal is not shown: " + result.stderr)
        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "A",
                      "--offer", "B", "--link", "javascript:alert(1)"])
        check(result.returncode == 1 and "400" in result.stderr, "a bad link passed: " + result.stderr)

    # The history holds names: readable by proof's user alone, also outside the unit.
    mode = os.stat(os.path.join(data_dir, "events.db")).st_mode & 0o777
    check(mode == 0o600, f"events.db has mode {oct(mode)}, not 0600")

    # health on an instance whose Redis is away: 503, said, exit status 1.
    lonely = free_port()
    with proof_server(binary, lonely, key, ["--redis", f"redis://127.0.0.1:{free_port()}"]):
        result = run([binary, "health", "--url", f"http://127.0.0.1:{lonely}"])
        check(result.returncode == 1 and "degraded (HTTP 503): redis unreachable" in result.stderr,
              f"health of a degraded server: {result.returncode} {result.stderr}")

    # health of its own https address: the certificate names the public host, not 127.0.0.1,
    # and only "up" is asked, so it is not checked then; with --url it is.
    public = os.path.join(tmp, "public-name")
    os.mkdir(public)
    public_cert, public_key = make_certificate(public, names=("proof.example",))
    tls_own = free_port()
    with proof_server(binary, tls_own, key, ["--tls-cert", public_cert, "--tls-key", public_key]):
        result = run([binary, "health"], env={**env, "PROOF_PORT": str(tls_own),
                                              "PROOF_TLS_CERT": public_cert,
                                              "PROOF_TLS_KEY": public_key})
        check(result.returncode == 0, "health of its own https address: " + result.stderr)
        result = run([binary, "health", "--url", f"https://127.0.0.1:{tls_own}"])
        check(result.returncode == 1 and "not trusted" in result.stderr,
              "health --url trusted a certificate for another name: " + result.stderr)

    # A self-signed https server that is not trusted: what to do about it.
    tls_port = free_port()
    with proof_server(binary, tls_port, key, ["--tls-cert", cert, "--tls-key", cert_key]):
        tls_url = f"https://127.0.0.1:{tls_port}"
        result = run([binary, "send", "--url", tls_url, "--api-key", key, "--user", "A", "--offer", "B"])
        check(result.returncode == 1 and "not trusted" in result.stderr and "--ca-cert" in result.stderr,
              "an untrusted certificate: " + result.stderr)
        result = run([binary, "send", "--url", tls_url, "--ca-cert", cert, "--api-key", key,
                      "--user", "A", "--offer", "B"])
        check(result.returncode == 0, "send --ca-cert failed: " + result.stderr)
    for command in (["send", "--user", "A", "--offer", "B", "--api-key", key],
                    ["erase", "1", "--api-key", key], ["stats", "--api-key", key], ["health"]):
        result = run([binary, *command, "--url", url])
        check(result.returncode == 1 and "could not connect" in result.stderr,
              f"{command[0]}: a stopped server is not reported: {result.stderr}")

print("ok: send, erase, stats, health and check-config")

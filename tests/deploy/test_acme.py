"""HTTPS that renews itself, with Let's Encrypt's own test server: pebble (its ACME API on a
CA of ours, its validator fetching HTTP-01 challenges on proof's --http-port, names resolved
by pebble-challtestsrv to 127.0.0.1) and certbot (its webroot plugin writing into proof's
--acme-webroot), as docs/deploy.md "HTTPS without a proxy" describes:

- proof starts with a placeholder certificate, certbot obtains one through proof's plain
  port alone (pebble really fetches the challenge from proof), and proof restarted on
  certbot's live files serves pebble's certificate;
- a stream opened then stays open through `certbot renew`: certbot validates again through
  proof, and the package's deploy hook, from certbot's renewal-hooks/deploy/ directory,
  reloads proof; `openssl s_client` then sees the renewed certificate, and the stream
  receives an event published after the renewal;
- the renewed private key keeps the group and group-read mode of the one before, which the
  "ssl-cert" group of the docs relies on.

systemd is not PID 1 on the test machines, so the hook's `systemctl` is a stand-in on PATH
that checks the hook asks for exactly the running proof units to be reloaded and sends
SIGHUP, which is what `systemctl reload` does through the units' ExecReload=.

usage: test_acme.py PROOF_BINARY BUILD_DIR"""

import contextlib
import http.client
import json
import os
import re
import signal
import ssl
import stat
import subprocess
import sys
import time
import urllib.request

from deploylib import (check, free_port, make_certificate, read_until, run, skip_unless, tempdir,
                       wait_for_port)

binary, build_dir = sys.argv[1:3]
for tool in ("pebble", "pebble-challtestsrv", "certbot", "openssl"):
    skip_unless(tool)
key = "acme-test-key"
NAME = "proof.test"
started = time.monotonic()


def pebble_api_certificate(directory):
    """pebble serves its ACME API over HTTPS; Debian's package ships no certificate for it.
    A CA of our own and a leaf for localhost/127.0.0.1; returns (ca, cert, key)."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    leaf_key, csr = os.path.join(directory, "api.key"), os.path.join(directory, "api.csr")
    leaf, ext = os.path.join(directory, "api.pem"), os.path.join(directory, "api.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for args in (["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                  "-days", "2", "-subj", "/CN=acme-test-ca", "-keyout", ca_key, "-out", ca],
                 ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                  "-subj", "/CN=localhost", "-keyout", leaf_key, "-out", csr],
                 ["x509", "-req", "-days", "2", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                  "-CAcreateserial", "-extfile", ext, "-out", leaf]):
        run(["openssl", *args], check=True)
    return ca, leaf, leaf_key


@contextlib.contextmanager
def process(args, port, log, env=None):
    """A process that listens on `port`, its output in `log`; SIGTERM at the end."""
    with open(log, "w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, process=proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def served_certificate(port):
    """The leaf `openssl s_client` is shown on 127.0.0.1:`port` for NAME, as PEM."""
    result = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", NAME],
                 input="", timeout=20)
    found = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", result.stdout,
                      re.S)
    check(found, f"s_client saw no certificate:\n{result.stdout}{result.stderr}")
    return found.group(0)


def fingerprint(pem):
    result = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem)
    check(result.returncode == 0, f"not a certificate: {result.stderr}")
    return result.stdout.strip()


def file_fingerprint(path):
    with open(path) as f:
        return fingerprint(f.read())


def insecure():
    """For the test's own clients: what is checked here is which certificate is served
    (s_client, fingerprints), not who trusts it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def publish(port, offer):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=insecure())
    try:
        conn.request("POST", "/signup", json.dumps({"user_name": "Acme", "offer_name": offer}),
                     {"Content-Type": "application/json", "X-API-Key": key})
        answer = conn.getresponse()
        check(answer.status == 202, f"publish: {answer.status} {answer.read()!r}")
    finally:
        conn.close()


def proof(tmp, port, http_port, webroot, cert, tls_key):
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--api-key", key,
            "--tls-cert", cert, "--tls-key", tls_key, "--http-port", str(http_port),
            "--acme-webroot", webroot, "--log-level", "info"]
    return process(args, port, os.path.join(tmp, "proof.log"))


def proof_log(tmp):
    with open(os.path.join(tmp, "proof.log")) as f:
        return f.read()


with tempdir() as tmp:
    ca, api_cert, api_key = pebble_api_certificate(tmp)
    dns_port, challtest_port = free_port(), free_port()
    acme_port, acme_management = free_port(), free_port()
    port, http_port = free_port(), free_port()
    config = os.path.join(tmp, "pebble.json")
    with open(config, "w") as f:
        json.dump({"pebble": {"listenAddress": f"127.0.0.1:{acme_port}",
                              "managementListenAddress": f"127.0.0.1:{acme_management}",
                              "certificate": api_cert, "privateKey": api_key,
                              # The port pebble's validator fetches challenges from: proof's.
                              "httpPort": http_port, "tlsPort": free_port(),
                              "ocspResponderURL": "", "externalAccountBindingRequired": False}}, f)
    # Every name is 127.0.0.1; no random wait before a validation; no nonce refused on purpose.
    pebble_env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    challtestsrv = ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{dns_port}", "-http01", "",
                    "-https01", "", "-tlsalpn01", "", "-management", f"127.0.0.1:{challtest_port}",
                    "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""]
    pebble = ["pebble", "-config", config, "-dnsserver", f"127.0.0.1:{dns_port}"]

    webroot = os.path.join(tmp, "acme")
    os.mkdir(webroot)
    placeholder = os.path.join(tmp, "placeholder")
    os.mkdir(placeholder)
    placeholder_cert, placeholder_key = make_certificate(placeholder, names=(NAME,))

    certbot_dir = os.path.join(tmp, "letsencrypt")
    certbot = ["certbot", "-n", "--agree-tos", "-m", "ops@proof.test",
               "--server", f"https://127.0.0.1:{acme_port}/dir",
               "--config-dir", os.path.join(certbot_dir, "conf"),
               "--work-dir", os.path.join(certbot_dir, "work"),
               "--logs-dir", os.path.join(certbot_dir, "logs")]
    certbot_env = {**os.environ, "REQUESTS_CA_BUNDLE": ca}
    live = os.path.join(certbot_dir, "conf", "live", NAME)

    with process(challtestsrv, challtest_port, os.path.join(tmp, "challtestsrv.log")), \
            process(pebble, acme_port, os.path.join(tmp, "pebble.log"), env=pebble_env):
        # The first certificate: proof serves the placeholder, and the challenge on its
        # plain port, as the docs' first certbot command has it.
        with proof(tmp, port, http_port, webroot, placeholder_cert, placeholder_key):
            result = run([*certbot, "certonly", "--webroot", "-w", webroot, "-d", NAME],
                         env=certbot_env, timeout=120)
            check(result.returncode == 0,
                  f"certbot certonly through proof's --http-port failed:\n{result.stdout}"
                  f"{result.stderr}\nproof:\n{proof_log(tmp)}")
            check("served the ACME challenge" in proof_log(tmp),
                  "proof did not log the challenge it served:\n" + proof_log(tmp))
            # Everything else on the plain port goes to HTTPS.
            conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
            conn.request("GET", "/events?channel=a", headers={"Host": f"{NAME}:{http_port}"})
            answer = conn.getresponse()
            check(answer.status == 308 and
                  answer.getheader("Location") == f"https://{NAME}:{port}/events?channel=a",
                  f"plain GET /events: {answer.status} {answer.getheader('Location')}")
            conn.close()

        first = file_fingerprint(os.path.join(live, "cert.pem"))
        # The renewal keeps a group that may read the key (docs: the ssl-cert group).
        archived_key = os.path.realpath(os.path.join(live, "privkey.pem"))
        os.chown(archived_key, -1, 4242)
        os.chmod(archived_key, 0o640)

        # The package's deploy hook, where certbot looks for it: renewal-hooks/deploy/ in its
        # configuration directory (/etc/letsencrypt on a server), pointing at this binary.
        with open(os.path.join(build_dir, "systemd", "certbot-deploy-hook")) as f:
            hook = f.read()
        installed = re.search(r'\[ -x "([^"]+)" \]', hook).group(1)
        hook = hook.replace(installed, os.path.abspath(binary))
        hooks = os.path.join(certbot_dir, "conf", "renewal-hooks", "deploy")
        os.makedirs(hooks, exist_ok=True)
        with open(os.path.join(hooks, "proof"), "w") as f:
            f.write(hook)
        os.chmod(os.path.join(hooks, "proof"), 0o755)
        stubs = os.path.join(tmp, "bin")
        os.mkdir(stubs)
        asked = os.path.join(tmp, "systemctl-calls")
        with open(os.path.join(stubs, "systemctl"), "w") as f:
            f.write("#!/bin/sh\n"
                    f'echo "$*" >> "{asked}"\n'
                    '[ "$*" = "try-reload-or-restart proof.service proof@*.service" ] || exit 5\n'
                    'kill -HUP "$PROOF_TEST_PID"\n')
        os.chmod(os.path.join(stubs, "systemctl"), 0o755)

        # Restarted once on certbot's files, as the docs say; renewals only reload.
        with proof(tmp, port, http_port, webroot, os.path.join(live, "fullchain.pem"),
                   os.path.join(live, "privkey.pem")) as server:
            check(fingerprint(served_certificate(port)) == first,
                  "proof does not serve pebble's certificate from certbot's live directory")
            stream = urllib.request.urlopen(
                urllib.request.Request(f"https://127.0.0.1:{port}/events",
                                       headers={"Accept": "text/event-stream"}),
                timeout=20, context=insecure())
            publish(port, "Before the renewal")
            read_until(stream, "Before the renewal")

            env = {**certbot_env, "PATH": stubs + ":" + os.environ["PATH"],
                   "PROOF_TEST_PID": str(server.pid)}
            result = run([*certbot, "renew", "--force-renewal", "--no-random-sleep-on-renew"],
                         env=env, timeout=120)
            check(result.returncode == 0,
                  f"certbot renew failed:\n{result.stdout}{result.stderr}\nproof:\n"
                  f"{proof_log(tmp)}")
            with open(asked) as f:
                check(f.read() == "try-reload-or-restart proof.service proof@*.service\n",
                      "the deploy hook did not ask systemctl to reload the proof units once")
            renewed = file_fingerprint(os.path.join(live, "cert.pem"))
            check(renewed != first, "certbot renew did not replace the certificate")

            # SIGHUP is handled on proof's signal thread: the switch follows within moments.
            deadline = time.monotonic() + 10
            seen = fingerprint(served_certificate(port))
            while seen != renewed and time.monotonic() < deadline:
                time.sleep(0.2)
                seen = fingerprint(served_certificate(port))
            check(seen == renewed, "s_client does not see the renewed certificate after the "
                  "deploy hook:\n" + proof_log(tmp))
            check("reload: new connections get the TLS certificate" in proof_log(tmp),
                  "proof did not log the reload")

            publish(port, "After the renewal")
            read_until(stream, "After the renewal")
            stream.close()
            check(server.poll() is None, "proof exited during the renewal")

        new_key = os.path.realpath(os.path.join(live, "privkey.pem"))
        check(new_key != archived_key, "the renewal did not write a new key")
        info = os.stat(new_key)
        check(info.st_gid == 4242 and stat.S_IMODE(info.st_mode) & 0o040,
              f"the renewed key lost the group or its read bit: gid {info.st_gid}, mode "
              f"{oct(stat.S_IMODE(info.st_mode))}")

print(f"ok: certificate obtained and renewed through proof alone, the stream kept "
      f"({time.monotonic() - started:.1f}s)")

"""Shared helpers for the deployment tests: a proof server on a free loopback port, an SSE
reader, a self-signed certificate. Python standard library only."""

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from ports import free_port  # noqa: E402  (re-exported: the tests import it from here)
from tools import SKIP, exit_missing  # noqa: E402  (77: skipped; in CI, a failure)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def skip_unless(tool):
    if shutil.which(tool) is None:
        exit_missing(tool)


def wait_for_port(port, timeout=10.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            fail(f"process exited with {process.returncode} before port {port} opened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    fail(f"nothing listens on port {port} after {timeout}s")


@contextlib.contextmanager
def tempdir():
    path = tempfile.mkdtemp(prefix="proof-deploy-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def running(args, port, env=None, **popen):
    """Starts a process that listens on `port`; stops it with SIGTERM afterwards."""
    process = subprocess.Popen(args, env=env, **popen)
    try:
        wait_for_port(port, process=process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def proof_server(binary, port, key, extra=(), **popen):
    """A proof server on 127.0.0.1:`port`, as a context manager."""
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--api-key", key,
            "--log-level", "warn", *extra]
    return running(args, port, **popen)


def make_certificate(directory, names=("localhost", "127.0.0.1")):
    """A self-signed certificate for `names`; returns (cert, key) paths."""
    skip_unless("openssl")
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    san = ",".join(("IP:" if n[0].isdigit() else "DNS:") + n for n in names)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + names[0], "-addext", "subjectAltName=" + san,
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def open_stream(url, cafile=None, timeout=10):
    """Opens GET /events (or whatever `url` names) and returns the response, unread."""
    context = ssl.create_default_context(cafile=cafile) if url.startswith("https") else None
    request = urllib.request.Request(url, headers={"Accept": "text/event-stream"})
    return urllib.request.urlopen(request, timeout=timeout, context=context)


def read_until(stream, needle, timeout=10):
    """Reads stream lines until one contains `needle`; returns everything read."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line.decode("utf-8", "replace"))
        if needle in seen[-1]:
            return "".join(seen)
    fail(f"{needle!r} did not arrive; read:\n" + "".join(seen))


def run(args, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 60)
    return subprocess.run(args, **kwargs)


# The Stripe secret proof_server() gives when a test passes STRIPE_ARGS.
STRIPE_SECRET = "whsec_deploy_tests_secret"
STRIPE_ARGS = ("--stripe-secret", STRIPE_SECRET)


def check_hook_through_proxy(url, cert, size=300 * 1024):
    """POSTs a Stripe delivery of about `size` bytes through the proxy at `url`, signed as
    Stripe documents it (HMAC-SHA256 of "t.body", hex): the proxy must pass the body
    unchanged and large enough for a long cart, or the signature fails (401) or the size
    does (413). Returns the event id of the card."""
    t = str(int(time.time()))
    event = {"id": f"evt_proxy_{t}", "type": "checkout.session.completed", "livemode": True,
             "data": {"object": {"id": f"cs_proxy_{t}", "payment_status": "paid",
                                 "payment_intent": f"pi_proxy_{t}",
                                 "customer_details": {"name": "Pro Xy"},
                                 "metadata": {"offer_name": "Through the proxy"},
                                 "padding": "x" * size}}}
    body = json.dumps(event).encode()
    signature = hmac.new(STRIPE_SECRET.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url + "/hooks/stripe", data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={signature}"})
    context = ssl.create_default_context(cafile=cert)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    check(status == 202, f"a {len(body)}-byte signed delivery through {url}: {status} {text}")
    return json.loads(text)["id"]


def check_sse_through_proxy(binary, url, key, cert, offer):
    """Holds a stream through the proxy at `url` over HTTP/1.1 and another over HTTP/2 (curl),
    posts a signup through the proxy with `proof send`, and checks both streams receive it."""
    stream = open_stream(url + "/events", cafile=cert)
    check(stream.headers.get_content_type() == "text/event-stream", f"content type via {url}")
    curl = subprocess.Popen(["curl", "-sN", "--http2", "--cacert", cert, "-D", "-",
                             "--max-time", "20", url + "/events"], stdout=subprocess.PIPE)
    try:
        read_until(curl.stdout, "HTTP/2 200")
        read_until(curl.stdout, "\r\n")  # the rest of the headers arrive with the status
        result = run([binary, "send", "--url", url, "--api-key", key, "--ca-cert", cert,
                      "--user", "Via", "--offer", offer])
        check(result.returncode == 0, f"send through {url} failed: {result.stderr}")
        check(result.stdout.strip().isdigit(), f"send printed {result.stdout!r}")
        read_until(stream, offer, timeout=5)
        read_until(curl.stdout, offer, timeout=5)
    finally:
        curl.kill()
        curl.wait()
        stream.close()

"""HTTPS end to end with a certificate made here: proof serves TLS itself (--tls-cert,
--tls-key), a browser-like client holds a stream, `proof send` posts over https trusting
the certificate with --ca-cert, and the event arrives. Without --ca-cert the same send
must fail: the client verifies certificates.

usage: test_https.py PROOF_BINARY"""

import os
import sys

from deploylib import (check, free_port, make_certificate, open_stream, proof_server, read_until,
                       run, tempdir)

binary = sys.argv[1]
key = "https-test-key"

with tempdir() as tmp:
    cert, tls_key = make_certificate(tmp)
    port = free_port()
    config = os.path.join(tmp, "proof.conf")
    with open(config, "w") as f:
        f.write(f'port = {port}\napi-key = "{key}"\ntls-cert = "{cert}"\ntls-key = "{tls_key}"\n')
    with proof_server(binary, port, key, ["--config", config]):
        url = f"https://localhost:{port}"
        stream = open_stream(url + "/events", cafile=cert)
        check(stream.headers.get_content_type() == "text/event-stream",
              f"content type {stream.headers.get_content_type()}")

        result = run([binary, "send", "--url", url, "--api-key", key, "--ca-cert", cert,
                      "--user", "Tls", "--offer", "Secure plan"])
        check(result.returncode == 0, f"send over https failed: {result.stderr}")
        read_until(stream, "Secure plan")

        # The URL from the config file is https because it has a certificate.
        result = run([binary, "send", "--config", config, "--ca-cert", cert, "--user", "Tls",
                      "--offer", "From config"])
        check(result.returncode == 0, f"send --config over https failed: {result.stderr}")
        read_until(stream, "From config")

        result = run([binary, "send", "--url", url, "--api-key", key, "--user", "X", "--offer", "Y"],
                     env={**os.environ, "SSL_CERT_FILE": "/nonexistent", "SSL_CERT_DIR": "/nonexistent"})
        check(result.returncode != 0, "send trusted a self-signed certificate without --ca-cert")

print("ok: https end to end")

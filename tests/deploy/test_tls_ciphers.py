"""What proof's own TLS (--tls-cert) offers a client, probed with `openssl s_client` one
protocol and one cipher at a time (exact and fast; testssl.sh says the same in minutes):
TLS 1.2 and 1.3 only; in TLS 1.2 exactly the ECDHE suites with AEAD ciphers for the key's
type (no CBC, no static RSA, no finite-field DHE), chosen in the server's order; every TLS
1.3 suite; no compression and no session tickets. Run once with an RSA and once with an
ECDSA certificate.

usage: test_tls_ciphers.py PROOF_BINARY"""

import os
import re
import subprocess
import sys

from deploylib import check, free_port, make_certificate, proof_server, skip_unless, tempdir

binary = sys.argv[1]
skip_unless("openssl")

EXPECTED_TLS12 = {
    "RSA": {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-CHACHA20-POLY1305"},
    "ECDSA": {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
              "ECDHE-ECDSA-CHACHA20-POLY1305"},
}
TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256"]


def s_client(port, *args):
    """One handshake; returns (negotiated protocol or None, cipher or None, full output)."""
    result = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
         *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    out = result.stdout + result.stderr
    found = re.search(r"New, (\S+), Cipher is (\S+)", out)
    if result.returncode != 0 or not found or found.group(2) == "(NONE)":
        return None, None, out
    return found.group(1), found.group(2), out


def client_ciphers(protocol_flag):
    """Every TLS 1.2 cipher this OpenSSL can offer, weak ones included."""
    listed = subprocess.run(["openssl", "ciphers", "-s", protocol_flag,
                             "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                            capture_output=True, text=True, check=True).stdout.strip()
    return [c for c in listed.split(":") if c and not c.startswith("TLS_")]


def make_ecdsa_certificate(directory):
    cert = os.path.join(directory, "ec-cert.pem")
    key = os.path.join(directory, "ec-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def probe(kind, cert, key):
    port = free_port()
    with proof_server(binary, port, "tls-key-test", ["--tls-cert", cert, "--tls-key", key]):
        # TLS 1.2: exactly the ECDHE AEAD suites for this key type.
        accepted = set()
        for cipher in client_ciphers("-tls1_2"):
            protocol, negotiated, _ = s_client(port, "-tls1_2", "-cipher",
                                               cipher + ":@SECLEVEL=0")
            if protocol is not None:
                check(negotiated == cipher, f"offered {cipher} alone, got {negotiated}")
                accepted.add(cipher)
        check(accepted == EXPECTED_TLS12[kind],
              f"{kind}: TLS 1.2 suites accepted {sorted(accepted)}, "
              f"expected {sorted(EXPECTED_TLS12[kind])}")

        # The server's order: AES-128-GCM first, whatever the client prefers.
        ordered = [c for c in ("CHACHA20-POLY1305", "AES256-GCM-SHA384", "AES128-GCM-SHA256")]
        prefix = "ECDHE-RSA-" if kind == "RSA" else "ECDHE-ECDSA-"
        _, negotiated, out = s_client(port, "-tls1_2", "-cipher",
                                      ":".join(prefix + c for c in ordered))
        check(negotiated == prefix + "AES128-GCM-SHA256",
              f"{kind}: the client's order won ({negotiated}); no server order\n{out[-800:]}")

        # Older protocols are refused even with every cipher offered.
        for flag in ("-tls1", "-tls1_1"):
            protocol, negotiated, _ = s_client(port, flag, "-cipher", "ALL:@SECLEVEL=0")
            check(protocol is None, f"{kind}: {flag} accepted with {negotiated}")

        # TLS 1.3: each of its suites.
        for suite in TLS13_SUITES:
            protocol, negotiated, _ = s_client(port, "-tls1_3", "-ciphersuites", suite)
            check(protocol == "TLSv1.3" and negotiated == suite,
                  f"{kind}: TLS 1.3 {suite} refused ({protocol}, {negotiated})")

        # No compression; no session ticket (the ticket key would outlive every session).
        protocol, _, out = s_client(port, "-tls1_2")
        check(protocol == "TLSv1.2", f"{kind}: a TLS 1.2 handshake failed\n{out[-800:]}")
        check("Compression: NONE" in out, f"{kind}: compression offered\n{out[-800:]}")
        check("TLS session ticket:" not in out and "ticket lifetime hint" not in out,
              f"{kind}: the server issued a session ticket\n{out[-1200:]}")
    print(f"ok: {kind}: TLS 1.2 {sorted(accepted)}, TLS 1.3 all three, server order, "
          "no TLS 1.0/1.1, no compression, no tickets")


with tempdir() as tmp:
    probe("RSA", *make_certificate(tmp))
    probe("ECDSA", *make_ecdsa_certificate(tmp))

print("ok: tls ciphers")

"""docs/nginx-proof.conf, run as written (ports, certificate paths and the IPv6 listener
adapted to the test) by nginx in front of proof on loopback, with a self-signed
certificate: an event posted through the proxy with `proof send` reaches a stream held
through the proxy over HTTP/1.1 and over HTTP/2, and the stream is not buffered; a 300 KB
signed webhook passes through unchanged; and a forged X-Forwarded-For passed on by nginx
("198.51.100.7%00, REAL") names nobody: proof ignores the header and counts it.

usage: test_proxy_nginx.py PROOF_BINARY SOURCE_DIR"""

import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.request

from deploylib import (STRIPE_ARGS, check, check_hook_through_proxy, check_sse_through_proxy,
                       free_port, make_certificate, proof_server, run, running, skip_unless,
                       tempdir)


def forged_streams(url, cert, count):
    """Opens `count` streams through nginx, each claiming to come from 198.51.100.7 with an
    escaped NUL after it (which a decoding reader cut there); returns their statuses and
    keeps the open ones open until the caller closes them."""
    context = ssl.create_default_context(cafile=cert)
    statuses, opened = [], []
    for _ in range(count):
        request = urllib.request.Request(url + "/events", headers={
            "Accept": "text/event-stream", "X-Forwarded-For": "198.51.100.7%00"})
        try:
            opened.append(urllib.request.urlopen(request, timeout=10, context=context))
            statuses.append(opened[-1].status)
        except urllib.error.HTTPError as e:
            statuses.append(e.code)
    return statuses, opened


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as res:
        for line in res.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    raise KeyError(name)

binary, source_dir = sys.argv[1:3]
skip_unless("nginx")
skip_unless("curl")
key = "nginx-test-key"

with open(os.path.join(source_dir, "docs", "nginx-proof.conf")) as f:
    site = f.read()

with tempdir() as tmp:
    cert, tls_key = make_certificate(tmp)
    proof_port, nginx_port = free_port(), free_port()
    site = site.replace("server 127.0.0.1:6009;", f"server 127.0.0.1:{proof_port};")
    site = re.sub(r"^\s*listen \[::\]:443 .*\n", "", site, flags=re.M)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{nginx_port} ssl http2;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tls_key};", site)
    check(str(nginx_port) in site and str(proof_port) in site and cert in site,
          "could not adapt docs/nginx-proof.conf:\n" + site)
    with open(os.path.join(tmp, "site.conf"), "w") as f:
        f.write(site)
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    nginx = ["nginx", "-p", tmp, "-e", os.path.join(tmp, "error.log"), "-c", os.path.join(tmp, "nginx.conf")]
    result = run(nginx + ["-t"])
    check(result.returncode == 0, "nginx -t:\n" + result.stderr)

    with proof_server(binary, proof_port, key, ["--trusted-proxy", "127.0.0.1",
                                                "--max-subscribers-per-ip", "2",
                                                *STRIPE_ARGS]), running(nginx, nginx_port):
        url = f"https://localhost:{nginx_port}"
        check_sse_through_proxy(binary, url, key, cert, "Nginx plan")
        check_hook_through_proxy(url, cert)

        # On 0678ced all five opened: the forger was read as 198.51.100.7, past a cap of 2.
        # Now the header is ignored, so the five count as nginx's own address (the peer).
        deadline = time.monotonic() + 10  # the streams above count until nginx closes them
        while metric(proof_port, "proof_subscribers") > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        statuses, opened = forged_streams(url, cert, 5)
        try:
            check(statuses == [200, 200, 429, 429, 429],
                  f"forged X-Forwarded-For streams got {statuses}, not two and then 429")
        finally:
            for stream in opened:
                stream.close()
        check(metric(proof_port, "proof_forwarded_for_ignored_total") >= 5,
              "ignored X-Forwarded-For headers are not counted in /metrics")

        result = run([binary, "send", "--url", url, "--api-key", "wrong", "--ca-cert", cert,
                      "--user", "A", "--offer", "B"])
        check(result.returncode != 0 and "401" in result.stderr,
              "a refusal through nginx is not reported: " + result.stderr)

print("ok: SSE through nginx (HTTP/1.1 and HTTP/2, TLS), a 300 KB signed webhook, and a "
      "forged X-Forwarded-For ignored")

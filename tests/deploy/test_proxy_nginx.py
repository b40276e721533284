"""docs/nginx-proof.conf, run as written (ports, certificate paths and the IPv6 listener
adapted to the test) by nginx in front of proof on loopback, with a self-signed
certificate: an event posted through the proxy with `proof send` reaches a stream held
through the proxy over HTTP/1.1 and over HTTP/2, and the stream is not buffered; a 300 KB
signed webhook passes through unchanged.

usage: test_proxy_nginx.py PROOF_BINARY SOURCE_DIR"""

import os
import re
import sys

from deploylib import (STRIPE_ARGS, check, check_hook_through_proxy, check_sse_through_proxy,
                       free_port, make_certificate, proof_server, run, running, skip_unless,
                       tempdir)

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

    with proof_server(binary, proof_port, key, ["--trusted-proxy", "127.0.0.1", *STRIPE_ARGS]), running(nginx, nginx_port):
        url = f"https://localhost:{nginx_port}"
        check_sse_through_proxy(binary, url, key, cert, "Nginx plan")
        check_hook_through_proxy(url, cert)

        result = run([binary, "send", "--url", url, "--api-key", "wrong", "--ca-cert", cert,
                      "--user", "A", "--offer", "B"])
        check(result.returncode != 0 and "401" in result.stderr,
              "a refusal through nginx is not reported: " + result.stderr)

print("ok: SSE through nginx (HTTP/1.1 and HTTP/2, TLS), and a 300 KB signed webhook")

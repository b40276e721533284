"""docs/Caddyfile, run by Caddy in front of proof on loopback with a self-signed
certificate (in place of the one Caddy would obtain): an event posted through the proxy
reaches streams held through it over HTTP/1.1 and HTTP/2, and a 300 KB signed webhook passes
through unchanged. Skipped when caddy is not
installed (Debian 12: `apt install caddy`).

usage: test_proxy_caddy.py PROOF_BINARY SOURCE_DIR"""

import os
import re
import subprocess
import sys

from deploylib import (STRIPE_ARGS, check, check_hook_through_proxy, check_sse_through_proxy,
                       free_port, make_certificate, proof_server, run, running, skip_unless,
                       tempdir)

binary, source_dir = sys.argv[1:3]
skip_unless("caddy")
skip_unless("curl")
key = "caddy-test-key"

with open(os.path.join(source_dir, "docs", "Caddyfile")) as f:
    site = f.read()

with tempdir() as tmp:
    cert, tls_key = make_certificate(tmp)
    proof_port, caddy_port = free_port(), free_port()
    site = site.replace("reverse_proxy 127.0.0.1:6009", f"reverse_proxy 127.0.0.1:{proof_port}")
    site = re.sub(r"^proof\.example\.com \{",
                  f"https://localhost:{caddy_port} {{\n\tbind 127.0.0.1\n\ttls {cert} {tls_key}",
                  site, flags=re.M)
    site = re.sub(r"^\{\n", f"{{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system {tmp}/data\n",
                  site, count=1, flags=re.M)
    site = site.replace("grace_period 10s", "grace_period 1s")
    check(str(caddy_port) in site and str(proof_port) in site and "admin off" in site
          and "grace_period 1s" in site, "could not adapt docs/Caddyfile:\n" + site)
    config = os.path.join(tmp, "Caddyfile")
    with open(config, "w") as f:
        f.write(site)
    env = {**os.environ, "HOME": tmp, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp}
    caddy = ["caddy", "run", "--config", config, "--adapter", "caddyfile"]

    with proof_server(binary, proof_port, key, ["--trusted-proxy", "127.0.0.1", *STRIPE_ARGS]), \
            running(caddy, caddy_port, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        check_sse_through_proxy(binary, f"https://localhost:{caddy_port}", key, cert, "Caddy plan")
        check_hook_through_proxy(f"https://localhost:{caddy_port}", cert)

print("ok: SSE through Caddy (HTTP/1.1 and HTTP/2, TLS), and a 300 KB signed webhook")

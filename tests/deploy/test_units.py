"""The systemd units as configured for this build: `systemd-analyze verify` accepts them
(the template through an instance), also with the drop-in their comments show for secrets
in files of their own (LoadCredential=) and with the one docs/deploy.md gives for HTTPS
without a proxy (ports 80 and 443, Let's Encrypt's keys), and `systemd-analyze security
--offline=true` rates each 1.5 or lower ("OK"), with the HTTPS drop-in too.
Each has ExecReload= (systemctl reload: SIGHUP). ExecStart names the installed binary,
which need not exist yet, so verification runs on copies that point at the built one.

usage: test_units.py PROOF_BINARY BUILD_DIR"""

import os
import re
import sys

from deploylib import check, run, skip_unless, tempdir

binary, build_dir = sys.argv[1:3]
skip_unless("systemd-analyze")
MAX_EXPOSURE = 1.5
MAX_EXPOSURE_HTTPS = 1.5  # docs/deploy.md says so


def exposure(path, unit):
    result = run(["systemd-analyze", "security", "--offline=true", path])
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    check(match, f"no exposure level for {unit}:\n{result.stdout}{result.stderr}")
    return float(match.group(1))


# The drop-in of docs/deploy.md's "HTTPS without a proxy", as an operator would paste it.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                       "deploy.md")) as f:
    deploy_md = f.read()
https_section = deploy_md.split("### HTTPS without a proxy", 1)[1].split("\n### ", 1)[0]
https_drop_in = re.search(r"```ini\n(\[Service\]\n.*?)```", https_section, re.S)
check(https_drop_in and "CAP_NET_BIND_SERVICE" in https_drop_in.group(1),
      "docs/deploy.md has no drop-in for HTTPS without a proxy")
https_drop_in = https_drop_in.group(1)

with tempdir() as tmp:
    for unit, instance in (("proof.service", "proof.service"), ("proof@.service", "proof@shop.service")):
        with open(os.path.join(build_dir, "systemd", unit)) as f:
            text = f.read()
        text = re.sub(r"^ExecStart=\S+", "ExecStart=" + os.path.abspath(binary), text, flags=re.M)
        path = os.path.join(tmp, instance)
        with open(path, "w") as f:
            f.write(text)

        result = run(["systemd-analyze", "verify", "--man=no", path])
        check(result.returncode == 0 and not result.stderr.strip(),
              f"systemd-analyze verify {unit}:\n{result.stdout}{result.stderr}")

        # The drop-in the comments show, for every secret's file form, as an operator
        # would paste it: the unit stays valid, and each setting it names exists.
        drop_in = re.findall(r"^#   (LoadCredential=\S+)$", text, re.M)
        check(len(drop_in) >= 3, f"{unit}: its comments show no LoadCredential= drop-in")
        help_text = run([binary, "--help"]).stdout
        for key in ("api-key-file", "stripe-secret-file", "shopify-secret-file",
                    "woocommerce-secret-file", "lemonsqueezy-secret-file", "webhook-secret-file",
                    "redis-password-file"):
            check(key in text, f"{unit}: the comments do not say how to give {key}")
            check(f"--{key}" in help_text, f"{unit} names {key}, which proof does not take")
        with_secrets = os.path.join(tmp, "with-secrets", instance)
        os.makedirs(os.path.dirname(with_secrets), exist_ok=True)
        with open(with_secrets, "w") as f:
            f.write(text.replace("[Service]\n", "[Service]\n" + "\n".join(drop_in) + "\n", 1))
        result = run(["systemd-analyze", "verify", "--man=no", with_secrets])
        check(result.returncode == 0 and not result.stderr.strip(),
              f"{unit} with its secrets drop-in:\n{result.stdout}{result.stderr}")

        level = exposure(path, unit)
        check(level <= MAX_EXPOSURE, f"{unit} is rated {level}, above {MAX_EXPOSURE}")
        print(f"{unit}: exposure {level}")

        # Reload: SIGHUP to the server, for certbot's deploy hook and `systemctl reload`.
        check(re.search(r"^ExecReload=/bin/kill -HUP \$MAINPID$", text, re.M),
              f"{unit}: no ExecReload= that sends SIGHUP")

        # With the HTTPS drop-in appended (a drop-in's settings come after the unit's).
        with_https = os.path.join(tmp, "with-https", instance)
        os.makedirs(os.path.dirname(with_https), exist_ok=True)
        with open(with_https, "w") as f:
            f.write(text.replace("[Install]", https_drop_in.replace("[Service]\n", "") +
                                 "\n[Install]", 1))
        result = run(["systemd-analyze", "verify", "--man=no", with_https])
        check(result.returncode == 0 and not result.stderr.strip(),
              f"{unit} with the HTTPS drop-in:\n{result.stdout}{result.stderr}")
        level = exposure(with_https, unit)
        check(level <= MAX_EXPOSURE_HTTPS,
              f"{unit} with the HTTPS drop-in is rated {level}, above {MAX_EXPOSURE_HTTPS}")
        print(f"{unit} with the HTTPS drop-in: exposure {level}")

        # What the sandbox must leave the server: the network, its notify socket, no
        # IP address filter that would turn visitors away.
        check("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" in text, f"{unit}: address families")
        check("IPAddressDeny" not in text.replace("# Visitors connect from anywhere, so no IPAddressDeny=", ""),
              f"{unit}: IPAddressDeny= would refuse visitors")
        check("Type=notify" in text and "Restart=on-failure" in text, f"{unit}: Type or Restart")

print("ok: units verify and rate OK")

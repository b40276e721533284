"""The systemd units as configured for this build: `systemd-analyze verify` accepts them
(the template through an instance), also with the drop-in their comments show for secrets
in files of their own (LoadCredential=), and `systemd-analyze security --offline=true`
rates each 1.5 or lower ("OK"). ExecStart names the installed binary, which need not exist
yet, so verification runs on copies that point at the built one.

usage: test_units.py PROOF_BINARY BUILD_DIR"""

import os
import re
import sys

from deploylib import check, run, skip_unless, tempdir

binary, build_dir = sys.argv[1:3]
skip_unless("systemd-analyze")
MAX_EXPOSURE = 1.5

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

        result = run(["systemd-analyze", "security", "--offline=true", path])
        match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
        check(match, f"no exposure level for {unit}:\n{result.stdout}{result.stderr}")
        level = float(match.group(1))
        check(level <= MAX_EXPOSURE, f"{unit} is rated {level}, above {MAX_EXPOSURE}:\n{result.stdout}")
        print(f"{unit}: exposure {level}")

        # What the sandbox must leave the server: the network, its notify socket, no
        # IP address filter that would turn visitors away.
        check("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" in text, f"{unit}: address families")
        check("IPAddressDeny" not in text.replace("# Visitors connect from anywhere, so no IPAddressDeny=", ""),
              f"{unit}: IPAddressDeny= would refuse visitors")
        check("Type=notify" in text and "Restart=on-failure" in text, f"{unit}: Type or Restart")

print("ok: units verify and rate OK")

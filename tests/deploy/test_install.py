"""`cmake --install` into a temporary DESTDIR: the layout, the units' paths, and the example
config, which must document every option of `proof --help` and start the server as it is.

usage: test_install.py PROOF_BINARY SOURCE_DIR BUILD_DIR"""

import os
import re
import shutil
import sys

from deploylib import check, free_port, run, tempdir, wait_for_port
import subprocess
import signal

binary, source_dir, build_dir = sys.argv[1:4]


def cache(name):
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return ""


prefix = cache("CMAKE_INSTALL_PREFIX")
unit_dir = cache("PROOF_SYSTEMD_UNIT_DIR_RESOLVED")
sysconf = "/etc" if prefix == "/usr" else prefix + "/etc"

with tempdir() as dest:
    result = run(["cmake", "--install", build_dir], env={**os.environ, "DESTDIR": dest})
    check(result.returncode == 0, "cmake --install failed:\n" + result.stdout + result.stderr)
    root = lambda path: dest + path  # noqa: E731
    for path in [f"{prefix}/bin/proof",
                 f"{prefix}/share/proof/public/proof.js",
                 f"{prefix}/share/proof/public/index.html",
                 f"{prefix}/share/proof/proof-wordpress.zip",
                 f"{sysconf}/proof/proof.conf.example",
                 f"{sysconf}/letsencrypt/renewal-hooks/deploy/proof",
                 f"{unit_dir}/proof.service",
                 f"{unit_dir}/proof@.service",
                 f"{prefix}/share/doc/proof/deploy.md",
                 f"{prefix}/share/doc/proof/copyright",
                 f"{prefix}/share/man/man1/proof.1.gz"]:
        check(os.path.isfile(root(path)), f"{path} is not installed")
    check(os.access(root(f"{prefix}/bin/proof"), os.X_OK), "bin/proof is not executable")

    for unit in ("proof.service", "proof@.service"):
        with open(root(f"{unit_dir}/{unit}")) as f:
            text = f.read()
        check(f"ExecStart={prefix}/bin/proof --config %d/proof.conf --data-dir %S/proof" in text,
              f"{unit}: ExecStart is not the installed binary")
        check(not re.search(r"@[A-Z_]+@", text),
              f"{unit}: a placeholder was left unconfigured")
        check(f"{sysconf}/proof/" in text, f"{unit}: does not read {sysconf}/proof")

    # Both units start at boot once enabled: [Install] puts them in multi-user.target.
    if shutil.which("systemctl"):
        for unit in ("proof.service", "proof@shop.service"):
            result = run(["systemctl", f"--root={dest}", "enable", unit])
            check(result.returncode == 0 and "no installation config" not in result.stderr,
                  f"systemctl enable {unit}:\n{result.stdout}{result.stderr}")
            link = root(f"/etc/systemd/system/multi-user.target.wants/{unit}")
            check(os.path.islink(link), f"enabling {unit} made no link {link}")

    # The installed binary finds the installed public/ by itself only when installed for
    # real; from DESTDIR it must be told.
    example = root(f"{sysconf}/proof/proof.conf.example")
    public = root(f"{prefix}/share/proof/public")
    result = run([root(f"{prefix}/bin/proof"), "check-config", "--config", example,
                  "--public-dir", public])
    check(result.returncode == 0, "the example config does not validate: " + result.stderr)

# Every option in --help is documented in the example (as a key or a commented-out key).
with open(os.path.join(source_dir, "proof.conf.example")) as f:
    example_text = f.read()
help_text = run([binary, "--help"]).stdout
options = set(re.findall(r"^\s+--([a-z][a-z0-9-]*)", help_text, re.M)) - {"help", "version", "config"}
check(options, "no options found in --help")
documented = set(re.findall(r"^#?\s*([a-z][a-z0-9-]*) = ", example_text, re.M))
missing = sorted(options - documented)
check(not missing, f"proof.conf.example does not document: {missing}")

# The example starts the server as it is (on a free port: flags win over the file).
port = free_port()
process = subprocess.Popen([binary, "--config", os.path.join(source_dir, "proof.conf.example"),
                            "--port", str(port), "--log-level", "warn"])
try:
    wait_for_port(port, process=process)
finally:
    process.send_signal(signal.SIGTERM)
    check(process.wait(10) == 0, "the example config's server did not stop cleanly")

print(f"ok: install layout under {prefix}, units in {unit_dir}, example config complete")

"""`cpack -G DEB` builds a package whose Depends (from dpkg-shlibdeps) name the Debian
libraries the binary links, with the maintainer scripts and the example config as a
conffile. The postinst, run against a scratch directory, writes a root-only proof.conf
with a random key that `proof check-config` accepts, and leaves an existing one alone.

usage: test_deb.py PROOF_BINARY BUILD_DIR"""

import glob
import os
import re
import stat
import sys

from deploylib import check, run, skip_unless, tempdir

binary, build_dir = sys.argv[1:3]
for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps", "file"):
    skip_unless(tool)

with tempdir() as tmp:
    result = run(["cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
                  "-B", tmp], timeout=300)
    check(result.returncode == 0, "cpack failed:\n" + result.stdout + result.stderr)
    debs = glob.glob(os.path.join(tmp, "proof_*.deb"))
    check(len(debs) == 1, f"expected one proof_*.deb, found {debs}")
    deb = debs[0]

    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout.strip()
    print("Depends:", depends)
    for library in ("libcpp-httplib", "libspdlog", "libfmt", "libsystemd0", "libc6", "libstdc++6"):
        check(library in depends, f"Depends does not name {library}: {depends}")

    contents = run(["dpkg-deb", "-c", deb]).stdout
    for path in ("/bin/proof", "/share/proof/public/proof.js", "/proof/proof.conf.example",
                 "/systemd/system/proof.service", "/systemd/system/proof@.service"):
        check(path in contents, f"the package lacks {path}:\n{contents}")

    control = os.path.join(tmp, "control")
    run(["dpkg-deb", "-e", deb, control], check=True)
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        check(os.access(path, os.X_OK), f"{script} is missing or not executable")
        check(run(["sh", "-n", path]).returncode == 0, f"{script} is not valid sh")
    with open(os.path.join(control, "conffiles")) as f:
        check(f.read().strip().endswith("/proof/proof.conf.example"), "conffiles")

    # The postinst against a scratch config directory, with systemd made to look absent.
    with open(os.path.join(control, "postinst")) as f:
        postinst = f.read()
    conf_dir = re.search(r'^conf_dir="([^"]+)"', postinst, re.M).group(1)
    scratch = os.path.join(tmp, "etc-proof")
    os.mkdir(scratch)
    postinst = postinst.replace(f'conf_dir="{conf_dir}"', f'conf_dir="{scratch}"')
    postinst = postinst.replace("/run/systemd/system", os.path.join(tmp, "no-systemd"))
    script = os.path.join(tmp, "postinst")
    with open(script, "w") as f:
        f.write(postinst)
    run(["dpkg-deb", "-x", deb, os.path.join(tmp, "root")], check=True)
    example = glob.glob(os.path.join(tmp, "root", "**", "proof.conf.example"), recursive=True)[0]
    os.rename(example, os.path.join(scratch, "proof.conf.example"))

    result = run(["sh", script, "configure"])
    check(result.returncode == 0, "postinst configure failed: " + result.stderr)
    conf = os.path.join(scratch, "proof.conf")
    mode = stat.S_IMODE(os.stat(conf).st_mode)
    check(mode == 0o600, f"proof.conf has mode {oct(mode)}, not 0600")
    with open(conf) as f:
        key = re.search(r'^api-key = "([0-9a-f]+)"$', f.read(), re.M)
    check(key and len(key.group(1)) == 48, "proof.conf has no random 48-digit key")
    result = run([binary, "check-config", "--config", conf])
    check(result.returncode == 0, "the generated proof.conf does not validate: " + result.stderr)

    with open(conf, "a") as f:
        f.write("# edited\n")
    run(["sh", script, "configure"], check=True)
    with open(conf) as f:
        check(f.read().endswith("# edited\n"), "postinst rewrote an existing proof.conf")

print("ok: .deb with shlib Depends, conffile and a working postinst")

"""`cpack -G DEB` builds a package whose Depends (from dpkg-shlibdeps) name the Debian
libraries the binary links, with the maintainer scripts and the example config as a
conffile, certbot's deploy hook (a conffile too), and that lintian passes without an error or a warning (for the /usr prefix, as
deployed; a build directory for another prefix is linted except for its /usr/local paths).
The postinst, run against a scratch directory, writes a root-only proof.conf with a random
key that `proof check-config` accepts, leaves an existing one alone, and enables the
service through deb-systemd-helper.

usage: test_deb.py PROOF_BINARY BUILD_DIR"""

import glob
import os
import re
import stat
import sys

from deploylib import check, run, skip_unless, tempdir

binary, build_dir = sys.argv[1:3]
for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps", "file", "lintian"):
    skip_unless(tool)


def cache(name):
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return ""


with tempdir() as tmp:
    result = run(["cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
                  "-B", tmp], timeout=300)
    check(result.returncode == 0, "cpack failed:\n" + result.stdout + result.stderr)
    debs = glob.glob(os.path.join(tmp, "proof_*.deb"))
    check(len(debs) == 1, f"expected one proof_*.deb, found {debs}")
    deb = debs[0]

    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout.strip()
    print("Depends:", depends)
    for library in ("libcpp-httplib", "libspdlog", "libfmt", "libsystemd0", "libc6", "libstdc++6",
                    "procps"):
        check(library in depends, f"Depends does not name {library}: {depends}")

    contents = run(["dpkg-deb", "-c", deb]).stdout
    for path in ("/bin/proof", "/share/proof/public/proof.js", "/share/proof/proof-wordpress.zip",
                 "/proof/proof.conf.example",
                 "/systemd/system/proof.service", "/systemd/system/proof@.service",
                 "/share/doc/proof/copyright", "/share/doc/proof/changelog.Debian.gz",
                 "/share/man/man1/proof.1.gz", "/letsencrypt/renewal-hooks/deploy/proof"):
        check(path in contents, f"the package lacks {path}:\n{contents}")

    # The widget the package serves is the minified build, not the readable source.
    extract = os.path.join(tmp, "extract")
    run(["dpkg-deb", "-x", deb, extract])
    widgets = glob.glob(os.path.join(extract, "**/share/proof/public/proof.js"), recursive=True)
    check(len(widgets) == 1, f"expected one share/proof/public/proof.js, found {widgets}")
    with open(widgets[0]) as f:
        served = f.read()
    check(served.startswith("/* proof.js, minified"), "the package's proof.js is not the minified one")
    for doc in ("/share/doc/proof/sources.md", "/share/doc/proof/openapi.yaml"):
        check(doc in contents, f"the package lacks {doc}")

    # Debian's own judge: no error, no warning. Tags that only say "this build directory is
    # not configured for /usr" are left out when it is not.
    args = ["lintian", "--tag-display-limit", "0"]
    if cache("CMAKE_INSTALL_PREFIX") != "/usr":
        args += ["--suppress-tags", "dir-in-usr-local,file-in-usr-local,file-in-unusual-dir"]
    result = run(args + [deb], timeout=300)
    complaints = [line for line in result.stdout.splitlines() if re.match(r"[EW]: ", line)]
    check(not complaints, "lintian:\n" + "\n".join(complaints))
    check(result.returncode == 0, "lintian failed:\n" + result.stdout + result.stderr)

    control = os.path.join(tmp, "control")
    run(["dpkg-deb", "-e", deb, control], check=True)
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        check(os.access(path, os.X_OK), f"{script} is missing or not executable")
        check(run(["sh", "-n", path]).returncode == 0, f"{script} is not valid sh")
    with open(os.path.join(control, "conffiles")) as f:
        conffiles = f.read().split()
    check(len(conffiles) == 2 and conffiles[0].endswith("/proof/proof.conf.example") and
          conffiles[1].endswith("/letsencrypt/renewal-hooks/deploy/proof"), f"conffiles: {conffiles}")
    hooks = glob.glob(os.path.join(extract, "**/letsencrypt/renewal-hooks/deploy/proof"),
                      recursive=True)
    check(len(hooks) == 1 and os.access(hooks[0], os.X_OK), "the deploy hook is not executable")
    check(run(["sh", "-n", hooks[0]]).returncode == 0, "the deploy hook is not valid sh")

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

    # deb-systemd-helper and deb-systemd-invoke would act on this machine's systemd: these
    # stand-ins record what the postinst asks of them instead.
    stubs = os.path.join(tmp, "bin")
    os.mkdir(stubs)
    calls = os.path.join(tmp, "calls")
    for tool in ("deb-systemd-helper", "deb-systemd-invoke"):
        with open(os.path.join(stubs, tool), "w") as f:
            f.write(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
        os.chmod(os.path.join(stubs, tool), 0o755)
    env = {**os.environ, "PATH": stubs + ":" + os.environ["PATH"]}
    result = run(["sh", script, "configure"], env=env)
    check(result.returncode == 0, "postinst configure failed: " + result.stderr)
    with open(calls) as f:
        asked = f.read()
    check("deb-systemd-helper enable proof.service" in asked,
          "postinst did not enable proof.service:\n" + asked)
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
    run(["sh", script, "configure"], check=True, env=env)
    with open(conf) as f:
        check(f.read().endswith("# edited\n"), "postinst rewrote an existing proof.conf")

print("ok: .deb with shlib Depends, conffile and a working postinst")

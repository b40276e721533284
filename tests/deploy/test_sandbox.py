"""The server as far as this machine can run it the way proof.service does, without
systemd as PID 1:
- as an unprivileged user with no capabilities and no_new_privs, UMask 0077, the unit's
  LimitNOFILE, its config, API key and a webhook secret handed over the way LoadCredential=
  does (0400 or 0440 copies owned by the service user in $CREDENTIALS_DIRECTORY, root-only
  originals), its history in the state directory (--data-dir, also its working directory):
  it starts with no secret in its command line and no warning about the credentials'
  modes, serves public/, accepts a signup, stores it (0600), erases it and stops cleanly;
- under strace, every system call the server makes while serving is one the unit's
  SystemCallFilter= allows (@system-service minus @privileged and @resources), so the
  seccomp filter cannot kill it.
Needs root (to switch user); the strace half needs strace and systemd-analyze.

usage: test_sandbox.py PROOF_BINARY SOURCE_DIR BUILD_DIR"""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import urllib.request

from deploylib import (SKIP, check, exit_missing, free_port, open_stream, read_until, run,
                       tempdir, wait_for_port)

binary, source_dir, build_dir = sys.argv[1:4]
if os.geteuid() != 0 or shutil.which("setpriv") is None:
    print("SKIP: needs root and setpriv", file=sys.stderr)
    sys.exit(SKIP)
SERVICE_UID = 61934  # in systemd's DynamicUser range, 61184-65519
key = "sandbox-test-key"
stripe_secret = "whsec_sandbox_test_secret"


def unit_setting(name):
    with open(os.path.join(build_dir, "systemd", "proof.service")) as f:
        values = re.findall(rf"^{name}=(.*)$", f.read(), re.M)
    check(values, f"proof.service has no {name}=")
    return values


def exercise(port, process, server_pid=None):
    """What a deployment does: load the widget, hold a stream, publish, stop. The stop
    signal goes to `server_pid` when `process` only wraps the server (strace)."""
    wait_for_port(port, process=process)
    with open(f"/proc/{server_pid or process.pid}/cmdline", "rb") as f:
        cmdline = f.read().decode(errors="replace")
    check("proof" in cmdline and key not in cmdline and stripe_secret not in cmdline,
          f"a secret is in the server's command line: {cmdline!r}")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/proof.js", timeout=5) as response:
        check(response.status == 200 and len(response.read()) > 0, "proof.js not served")
    stream = open_stream(f"http://127.0.0.1:{port}/events")
    result = run([binary, "send", "--url", f"http://127.0.0.1:{port}", "--api-key", key,
                  "--user", "Sandboxed", "--offer", "Plan"])
    check(result.returncode == 0, f"send failed: {result.stderr}")
    read_until(stream, "Sandboxed")
    # Erasure checkpoints and truncates the write-ahead log: allowed by the filter too.
    result = run([binary, "erase", result.stdout.strip(), "--url", f"http://127.0.0.1:{port}",
                  "--api-key", key])
    check(result.returncode == 0, f"erase failed: {result.stderr}")
    os.kill(server_pid or process.pid, signal.SIGTERM)
    check(process.wait(10) == 0, f"exit status {process.returncode} after SIGTERM")
    stream.close()


with tempdir() as tmp:
    os.chmod(tmp, 0o755)
    credentials = os.path.join(tmp, "credentials")
    state = os.path.join(tmp, "state")
    os.mkdir(credentials, 0o500)
    os.mkdir(state, 0o700)
    # The config names the service's copies of the secrets, as docs/deploy.md shows.
    originals = {
        "proof.conf": (f'api-key-file = "{credentials}/api-key"\n'
                       f'stripe-secret-file = ["{credentials}/stripe-secret"]\n'
                       f'public-dir = "{os.path.join(source_dir, "public")}"\n', 0o400),
        "api-key": (key + "\n", 0o400),
        # systemd gives a credential 0440 when the service's group may read it too.
        "stripe-secret": (stripe_secret + "\n", 0o440),
    }
    for name, (text, mode) in originals.items():
        original = os.path.join(tmp, name)
        with open(original, "w") as f:
            f.write(text)
        os.chmod(original, 0o600)
        copy = os.path.join(credentials, name)
        shutil.copy(original, copy)
        os.chmod(copy, mode)
        os.chown(copy, SERVICE_UID, SERVICE_UID)
    original = os.path.join(tmp, "proof.conf")
    for path in (credentials, state):
        os.chown(path, SERVICE_UID, SERVICE_UID)

    nofile = unit_setting("LimitNOFILE")[0]
    port = free_port()
    as_service = ["prlimit", f"--nofile={nofile}:{nofile}", "setpriv", f"--reuid={SERVICE_UID}",
                  f"--regid={SERVICE_UID}", "--clear-groups", "--no-new-privs", "--inh-caps=-all",
                  "--bounding-set=-all"]
    serve = [binary, "--config", os.path.join(credentials, "proof.conf")]
    sandboxed = [*as_service, "sh", "-c", 'umask 0077 && exec "$@"', "sh", *serve,
                 "--port", str(port), "--data-dir", state]
    # The service user cannot read the original, only its credential.
    result = run([*as_service, binary, "check-config", "--config", original])
    check(result.returncode != 0, "the service user could read the root-only config")
    log = open(os.path.join(tmp, "server.log"), "w+")
    process = subprocess.Popen(sandboxed, cwd=state, stderr=log,
                               env={**os.environ, "CREDENTIALS_DIRECTORY": credentials})
    try:
        exercise(port, process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log.seek(0)
    output = log.read()
    check("open file limit" not in output, "the unit's LimitNOFILE is too low:\n" + output)
    check("is readable by" not in output, "a warning about a credential's mode:\n" + output)
    check(f"api-key: from api-key-file {credentials}/api-key" in output
          and f"stripe: 1 secret (1 from stripe-secret-file {credentials}/stripe-secret)" in output,
          "the start does not say where the secrets came from:\n" + output)
    check(key not in output and stripe_secret not in output, "a secret is in the log:\n" + output)
    database = os.path.join(state, "events.db")
    check(os.path.isfile(database), "no events.db in the state directory:\n" + output)
    st = os.stat(database)
    check(st.st_uid == SERVICE_UID and stat.S_IMODE(st.st_mode) == 0o600,
          f"events.db is owned by {st.st_uid} with mode {oct(st.st_mode)}, not the service's 0600")
    print("ok: runs as an unprivileged user with its credential")

    for tool in ("strace", "systemd-analyze"):  # for the system call check
        if shutil.which(tool) is None:
            exit_missing(tool)

    def expand(group, seen=None):
        seen = set() if seen is None else seen
        names = set()
        listing = run(["systemd-analyze", "syscall-filter", group]).stdout
        for line in listing.splitlines()[1:]:
            name = line.strip()
            if not name or name.startswith("#"):
                continue
            if name.startswith("@"):
                if name not in seen:
                    seen.add(name)
                    names |= expand(name, seen)
            else:
                names.add(name)
        return names

    allowed = set()
    denied = set()
    for value in unit_setting("SystemCallFilter"):
        deny = value.startswith("~")
        for group in value.lstrip("~").split():
            (denied if deny else allowed).update(expand(group) if group.startswith("@") else {group})
    allowed -= denied
    check(len(allowed) > 100, "could not expand the unit's system call filter")

    # Traced as the service user too: some libraries act differently for root (SQLite
    # chowns its journal files to the database's owner), and only what the service does
    # matters. System calls count from the server's execve, after setpriv's own.
    trace = os.path.join(tmp, "trace")
    traced_state = os.path.join(tmp, "traced-state")
    os.mkdir(traced_state, 0o700)
    os.chown(traced_state, SERVICE_UID, SERVICE_UID)
    port = free_port()
    process = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, *as_service, *serve,
                                "--port", str(port), "--log-level", "warn",
                                "--data-dir", traced_state],
                               env={**os.environ, "CREDENTIALS_DIRECTORY": credentials})
    server_pid = None
    try:
        wait_for_port(port, process=process)
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as f:
            server_pid = int(f.read().split()[0])
        exercise(port, process, server_pid)
    finally:
        if process.poll() is None:
            if server_pid:
                os.kill(server_pid, signal.SIGKILL)
            process.kill()
            process.wait()
    with open(trace) as f:
        text = f.read()
    start = text.find(f'execve("{binary}"')
    check(start >= 0, "the trace does not show the server's execve")
    used = set(re.findall(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]", text[start:], re.M))
    used.discard("exit")  # listed as exit_group's sibling; both are allowed anyway
    outside = sorted(used - allowed)
    check(not outside, f"system calls the unit's SystemCallFilter= forbids: {outside}")
    print("system calls used:", " ".join(sorted(used)))
    print(f"ok: all {len(used)} system calls used are allowed by SystemCallFilter=")

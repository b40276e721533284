"""Logs under the journal: when JOURNAL_STREAM names the stream stderr is connected to (as
systemd sets it), each line starts with a syslog priority journald understands (<6> info,
<4> warning) and has no timestamp of its own; otherwise (the variable inherited but stderr
elsewhere) lines keep the terminal format.

usage: test_journal.py PROOF_BINARY"""

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

from deploylib import check, free_port, tempdir, wait_for_port

binary = sys.argv[1]


def run_server(log_path, journal_stream):
    port = free_port()
    env = {**os.environ}
    env.pop("JOURNAL_STREAM", None)
    with open(log_path, "wb") as log:
        st = os.fstat(log.fileno())
        if journal_stream == "match":
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        elif journal_stream == "other":
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino + 1}"
        process = subprocess.Popen([binary, "--port", str(port), "--api-key", "k"], env=env,
                                   stderr=log)
        wait_for_port(port, process=process)
        # A warning too: a refused signup.
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}/signup", data=b"user_name=a", method="POST"), timeout=5)
        except urllib.error.HTTPError:
            pass
        process.send_signal(signal.SIGTERM)
        check(process.wait(10) == 0, "exit status after SIGTERM")
    with open(log_path) as f:
        return f.read().splitlines()


with tempdir() as tmp:
    lines = run_server(os.path.join(tmp, "journal.log"), "match")
    check(lines, "no log lines")
    for line in lines:
        check(re.match(r"<[0-7]>", line), f"no priority prefix under the journal: {line!r}")
        check(not re.search(r"\d{4}-\d\d-\d\dT\d\d:", line), f"a timestamp under the journal: {line!r}")
    check(any(line.startswith("<6>") and "listening on" in line for line in lines),
          "the startup line is not <6> (info)")
    check(any(line.startswith("<4>") and "rejected" in line for line in lines),
          "the refused signup is not <4> (warning):\n" + "\n".join(lines))

    # Bad settings stop proof before logging starts: the error still carries <3>, so
    # `journalctl -p err` shows why the service did not start.
    log_path = os.path.join(tmp, "bad.log")
    with open(log_path, "wb") as log:
        st = os.fstat(log.fileno())
        env = {**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        code = subprocess.run([binary, "--api-key", "k", "--port", "70000"], env=env,
                              stderr=log).returncode
    with open(log_path) as f:
        text = f.read()
    check(code == 2, f"bad settings exited {code}, not 2")
    check(text.startswith("<3>proof: --port: 70000"), f"no <3> on the settings error: {text!r}")

    for mode in ("none", "other"):
        lines = run_server(os.path.join(tmp, mode + ".log"), mode)
        check(all(re.match(r"\d{4}-\d\d-\d\dT", line) for line in lines),
              f"JOURNAL_STREAM {mode}: expected timestamped lines:\n" + "\n".join(lines))

print("ok: journal priorities only when stderr is the journal")

"""Readiness for Type=notify: standing in for systemd, the test listens on a NOTIFY_SOCKET
datagram socket and checks that READY=1 arrives once the port accepts connections, and
STOPPING=1 when SIGTERM asks the server to stop (which then exits 0).

usage: test_notify.py PROOF_BINARY"""

import os
import re
import signal
import socket
import subprocess
import sys

from deploylib import check, fail, free_port, tempdir, wait_for_port

binary = sys.argv[1]


def receive(sock, wanted, process):
    """The first notification that contains `wanted`, or failure after 10 s."""
    sock.settimeout(10)
    while True:
        try:
            message = sock.recv(4096).decode()
        except socket.timeout:
            fail(f"no {wanted} from the server (exit status {process.poll()})")
        if wanted in message.split("\n"):
            return message


with tempdir() as tmp:
    path = os.path.join(tmp, "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        env = {**os.environ, "NOTIFY_SOCKET": path}
        # Port 0: the kernel picks a free one (no race with other tests), and the status
        # line sent with READY=1 says which.
        process = subprocess.Popen([binary, "--port", "0", "--api-key", "k",
                                    "--log-level", "warn"], env=env)
        try:
            message = receive(sock, "READY=1", process)
            port = re.search(r"STATUS=Serving on port (\d+)", message)
            check(port, f"STATUS does not name the port: {message!r}")
            # Ready means reachable: connect at once, with no retry.
            with socket.create_connection(("127.0.0.1", int(port.group(1))), timeout=2):
                pass

            process.send_signal(signal.SIGTERM)
            receive(sock, "STOPPING=1", process)
            check(process.wait(10) == 0, f"exit status {process.returncode} after SIGTERM")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    # Without NOTIFY_SOCKET (not under systemd) nothing changes: the server still runs.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    process = subprocess.Popen([binary, "--port", str(port), "--api-key", "k", "--log-level",
                                "warn"], env=env)
    wait_for_port(port, process=process)
    process.send_signal(signal.SIGTERM)
    check(process.wait(10) == 0, "exit status without NOTIFY_SOCKET")

print("ok: READY=1 once listening, STOPPING=1 on SIGTERM")

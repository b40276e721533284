"""The container images as the README builds and runs them, with podman and nothing pulled.

scripts/build-image.sh builds localhost/proof and localhost/proof-redis from Debian's
packages (the root filesystem cached in the build tree, so that a second run does not fetch
it again). Then: the image is under 40 MB, holds no shell, no package manager and no program
but proof, runs as a user other than root, and keeps its HEALTHCHECK (the docker format);
run with its port published on loopback and the API key as a podman secret in
/run/secrets, it serves a stream that receives a signup, `podman healthcheck run` passes,
`podman stop` takes less than 2 s and ends the stream with its last chunk, and the data
volume keeps the history for the next container. compose.yaml, under podman-compose, brings
up Redis and two instances: a signup POSTed to one reaches a stream of the other.

Everything runs in a podman storage of its own (images, containers, volumes, secrets,
networks, locks) with addresses of its own, removed at the end: the machine's own podman
state is left alone. The containers.conf written here names runc and explicit ulimits,
which some hosts need (crun cannot start containers under a hybrid cgroup hierarchy, and
podman's default open-file limit can exceed the host's hard limit); a VPS needs neither.

The container is started by the README's own `podman run` command (with its port on
loopback); the images come from the build tree's binary, not from a Release build of
their own as the README's `build-image.sh` without an argument makes.

usage: test_container.py PROOF_BINARY SOURCE_DIR BUILD_DIR"""

import json
import os
import secrets
import shlex
import socket
import sys
import tarfile
import time
import urllib.error
import urllib.request

from deploylib import check, fail, free_port, open_stream, read_until, run, skip_unless, tempdir

binary, source_dir, build_dir = sys.argv[1:4]
for tool in ("podman", "mmdebstrap", "podman-compose", "runc", "iptables"):
    skip_unless(tool)

IMAGE = "localhost/proof:latest"
REDIS_IMAGE = "localhost/proof-redis:latest"
SECRET = "proof_api_key"  # the name compose.yaml and the README use
times = {}


def timed(name):
    """Records how long the block took under `name`, for the summary line."""
    class Timer:
        def __enter__(self):
            self.started = time.monotonic()

        def __exit__(self, *exc):
            times[name] = time.monotonic() - self.started
    return Timer()


def podman_env(tmp):
    """The environment that points podman at a storage, a lock directory and networks of
    this test's own."""
    storage = os.path.join(tmp, "storage.conf")
    with open(storage, "w") as f:
        f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{tmp}/storage"\n'
                f'runroot = "{tmp}/run"\n')
    os.makedirs(os.path.join(tmp, "networks"))
    conf = os.path.join(tmp, "containers.conf")
    # Subnets no other podman on the machine hands out by default (10.88, 10.89...).
    third = 100 + os.getpid() % 100
    with open(conf, "w") as f:
        f.write('[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]\n'
                '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                f'lock_type = "file"\ntmp_dir = "{tmp}/libpod"\n'
                '[network]\nnetwork_backend = "netavark"\n'
                f'network_config_dir = "{tmp}/networks"\n'
                f'default_subnet = "10.231.{third}.0/24"\n'
                f'default_subnet_pools = [{{"base" = "10.232.0.0/16", "size" = 24}}]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROOF_")}
    env.update(CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage)
    return env


def podman(*args, env, timeout=120, ok=True):
    result = run(["podman", *args], env=env, timeout=timeout)
    if ok:
        check(result.returncode == 0, f"podman {' '.join(args)}: {result.stderr}")
    return result


def inspect(what, template, env):
    return podman("image", "inspect", "--format", template, what, env=env).stdout.strip()


def wait_healthy(port, timeout=60):
    """Until http://127.0.0.1:PORT/healthz answers 200."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.HTTPError) as e:
            last = e
        time.sleep(0.2)
    fail(f"nothing healthy on port {port} after {timeout} s: {last}")


def post_signup(port, key, offer):
    body = json.dumps({"user_name": "Jane Doe", "offer_name": offer}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/signup", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        check(answer.status == 202, f"signup on port {port}: {answer.status}")
        return json.loads(answer.read())["id"]


class RawStream:
    """GET /events over a plain socket, so that how the body ends can be seen: a last chunk
    ("0\\r\\n\\r\\n") is a stream closed on purpose, anything else one cut off."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(b"GET /events HTTP/1.1\r\nHost: proof\r\nAccept: text/event-stream\r\n\r\n")
        self.data = b""
        self.read_until(b"\r\n\r\n")
        check(self.data.startswith(b"HTTP/1.1 200"), f"the stream answered {self.data[:60]!r}")

    def read_until(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while needle not in self.data:
            if time.monotonic() > deadline:
                fail(f"{needle!r} did not arrive; read {self.data[-300:]!r}")
            chunk = self.sock.recv(65536)
            if not chunk:
                fail(f"the stream closed before {needle!r}; read {self.data[-300:]!r}")
            self.data += chunk

    def read_to_end(self, timeout=10):
        self.sock.settimeout(timeout)
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.data
            self.data += chunk


def image_files(image, env, tmp):
    """The paths of every file in `image`, from a container created (not started) of it."""
    name = "proof-test-files"
    podman("create", "--name", name, image, env=env)
    try:
        exported = run(["podman", "export", name], env=env, text=False)
        check(exported.returncode == 0, f"podman export: {exported.stderr}")
        path = os.path.join(tmp, "image.tar")
        with open(path, "wb") as f:
            f.write(exported.stdout)
        with tarfile.open(path) as archive:
            return {member.name.lstrip("./"): member for member in archive.getmembers()}
    finally:
        podman("rm", name, env=env)


def check_image(env, tmp):
    size = int(inspect(IMAGE, "{{.Size}}", env))
    redis_size = int(inspect(REDIS_IMAGE, "{{.Size}}", env))
    print(f"image sizes: proof {size / 1e6:.1f} MB, proof-redis {redis_size / 1e6:.1f} MB")
    check(size < 40e6, f"the proof image is {size / 1e6:.1f} MB, over the README's 40 MB")
    user = inspect(IMAGE, "{{.Config.User}}", env)
    check(user and user.split(":")[0] not in ("", "0", "root"), f"the image runs as {user!r}")
    healthcheck = json.loads(inspect(IMAGE, "{{json .Config.Healthcheck}}", env) or "null")
    check(healthcheck and healthcheck.get("Test") == ["CMD", "/usr/bin/proof", "health"],
          f"the image's HEALTHCHECK is {healthcheck} (OCI images drop it: docker format?)")
    manifest = inspect(IMAGE, "{{.ManifestType}}", env)
    check("docker" in manifest, f"the manifest is {manifest}, not the docker format")
    environment = json.loads(inspect(IMAGE, "{{json .Config.Env}}", env))
    check("PROOF_BIND=0.0.0.0" in environment, f"the image does not bind 0.0.0.0: {environment}")

    for image, programs in ((IMAGE, {"usr/bin/proof"}),
                            (REDIS_IMAGE, {"usr/bin/redis-server", "usr/bin/redis-check-rdb",
                                           "usr/bin/redis-cli"})):
        files = image_files(image, env, tmp)
        found = {name for name, member in files.items()
                 if (member.isfile() or member.issym()) and ("/bin/" in "/" + name
                                                             or "/sbin/" in "/" + name)}
        check(found == programs, f"{image} holds the programs {sorted(found)}, not {sorted(programs)}")
        for name in files:
            base = os.path.basename(name)
            check(base not in ("sh", "bash", "dash", "busybox", "apt", "apt-get", "dpkg", "perl",
                               "gcc", "cc", "ld") and not name.startswith("var/lib/dpkg"),
                  f"{image} holds {name}")


def readme_run_args(port):
    """The README's `podman run` command, as its container section gives it, with the port
    published on loopback alone."""
    with open(os.path.join(source_dir, "README.md")) as f:
        text = f.read()
    check("<!-- container-command -->" in text, "the README has no container command")
    block = text.split("<!-- container-command -->", 1)[1].split("```sh\n", 1)[1]
    commands = [c.strip() for c in block.split("\n```", 1)[0].replace("\\\n", " ").split("&&")]
    check("./scripts/build-image.sh" in commands, f"the README builds no image: {commands}")
    check(f"openssl rand -hex 24 | podman secret create {SECRET} -" in commands,
          f"the README makes no secret {SECRET}: {commands}")
    runs = [c for c in commands if c.startswith("podman run ")]
    check(len(runs) == 1, f"the README's container command has no one podman run: {commands}")
    args = shlex.split(runs[0])[1:]
    published = args.index("-p") + 1
    check(args[published] == "6009:6009", f"the README publishes {args[published]}")
    args[published] = f"127.0.0.1:{port}:6009"
    check(args[-1] == "localhost/proof", f"the README runs {args[-1]}")
    return args, args[args.index("--name") + 1], args[args.index("-v") + 1].split(":")[0]


def check_single_container(env, key):
    port = free_port()
    args, name, volume = readme_run_args(port)
    with timed("run: start to healthy"):
        podman(*args, env=env)
        wait_healthy(port)
    with timed("run: signup to stream"):
        stream = RawStream(port)
        event_id = post_signup(port, key, "From the container")
        stream.read_until(b"From the container")
        check(f"id: {event_id}".encode() in stream.data, f"the stream's event is not {event_id}")
    with timed("run: proof send inside"):
        # The README's way to send a card: the key comes from the container's own secret.
        podman("exec", name, "proof", "send", "--user", "Jane", "--offer", "Sent inside", env=env)
        stream.read_until(b"Sent inside")
    with timed("run: healthcheck"):
        result = podman("healthcheck", "run", name, env=env, ok=False)
        check(result.returncode == 0, f"podman healthcheck run: {result.stdout}{result.stderr}")
    logs = podman("logs", name, env=env).stderr + podman("logs", name, env=env).stdout
    check(f"api-key: from PROOF_API_KEY_FILE /run/secrets/{SECRET}" in logs,
          "the log does not say the key came from the secret:\n" + logs)
    check(key not in logs, "the log holds the API key")
    check("readable by" not in logs, "the secret file was warned about:\n" + logs)

    started = time.monotonic()
    podman("stop", "-t", "10", name, env=env)
    stop_seconds = time.monotonic() - started
    times["run: podman stop"] = stop_seconds
    check(stop_seconds < 2, f"podman stop took {stop_seconds:.2f} s: is SIGTERM handled as PID 1?")
    body = stream.read_to_end()
    check(body.endswith(b"0\r\n\r\n"), f"the stream was cut, not ended: {body[-60:]!r}")
    status = podman("inspect", "--format", "{{.State.ExitCode}}", name, env=env).stdout.strip()
    check(status == "0", f"proof exited with {status} on podman stop")
    podman("rm", name, env=env)

    # A new container on the same volume replays the history the first one kept.
    with timed("run: restart on the volume"):
        podman(*args, env=env)
        wait_healthy(port)
        replay = open_stream(f"http://127.0.0.1:{port}/events?replay=10")
        read_until(replay, f"id: {event_id}")
        replay.close()
    podman("rm", "-f", "-t", "2", name, env=env)
    podman("volume", "rm", volume, env=env)


def check_compose(env, key):
    compose = os.path.join(source_dir, "compose.yaml")
    project = f"prooftest{os.getpid()}"
    port_a, port_b = free_port(), free_port()
    compose_env = {**env, "PORT_A": str(port_a), "PORT_B": str(port_b)}
    command = ["podman-compose", "-p", project, "-f", compose]
    try:
        with timed("compose: up to healthy"):
            result = run([*command, "up", "-d"], env=compose_env, timeout=300)
            check(result.returncode == 0, f"podman-compose up: {result.stdout}{result.stderr}")
            wait_healthy(port_a)
            wait_healthy(port_b)
        with timed("compose: signup on one, stream of the other"):
            stream = open_stream(f"http://127.0.0.1:{port_b}/events")
            event_id = post_signup(port_a, key, "Shared through Redis")
            block = read_until(stream, "Shared through Redis")
            check(f"id: {event_id}" in block, f"instance b's event is not {event_id}:\n{block}")
            stream.close()
    finally:
        with timed("compose: down"):
            result = run([*command, "down", "-v"], env=compose_env, timeout=300)
    check(result.returncode == 0, f"podman-compose down: {result.stdout}{result.stderr}")
    left = podman("ps", "-a", "-q", "--filter", f"label=io.podman.compose.project={project}",
                  env=env).stdout.strip()
    check(not left, f"podman-compose down left containers: {left}")


with tempdir() as tmp:
    env = podman_env(tmp)
    try:
        with timed("build (cached root filesystem if the build tree has one)"):
            result = run([os.path.join(source_dir, "scripts", "build-image.sh"), build_dir],
                         env=env, timeout=900)
            print(result.stdout, end="")
            check(result.returncode == 0, f"build-image.sh failed:\n{result.stdout}{result.stderr}")
        check_image(env, tmp)
        key = secrets.token_hex(24)
        key_file = os.path.join(tmp, "api_key")
        with open(key_file, "w") as f:
            f.write(key + "\n")
        podman("secret", "create", SECRET, key_file, env=env)
        check_single_container(env, key)
        check_compose(env, key)
    finally:
        run(["podman", "system", "reset", "--force"], env=env, timeout=120)

print("times: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items()))
print("ok: the image, one container, and compose with two instances over Redis")

#!/usr/bin/env bash
# Installs what proof needs on Debian 12 from Debian's packages, and the npm packages of
# package-lock.json (`npm ci`: the build minifies the widget with esbuild; the tests use
# the others). `install-deps.sh` alone: enough to build and run; `--container`: also what
# scripts/build-image.sh and compose.yaml use; `--test`: everything the test suite, the
# benchmark smoke, packaging, the images and fuzzing use too.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

build=(build-essential cmake pkg-config
       libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
       libsystemd-dev libsqlite3-dev libssl-dev libhiredis-dev
       libboost-dev  # Boost.Math: the experiment's normal quantiles
       dpkg-dev file help2man)  # the .deb: dpkg-buildflags, dpkg-shlibdeps, file, the man page
test=(catch2 python3 curl openssl chromium
      unicode-data  # the UCD files that tests/unit/unicode_tables.cpp checks core/unicode.h by
      systemd strace util-linux caddy lintian
      nginx-light libnginx-mod-nchan wrk
      clang libclang-rt-14-dev clang-format clang-tidy
      redis-server stunnel4 slowhttptest
      pebble certbot  # tests/deploy/test_acme.py: a certificate obtained and renewed through proof
      python3-statsmodels  # the experiment's figures and docs/experiment.md's table
      iproute2  # ss: the storm benchmark samples the accept queue with it
      # tests/wordpress: the plugin in Debian's WordPress (6.1, PHP 8.2) and its default theme
      wordpress wordpress-theme-twentytwentythree mariadb-server php-cli php-mysql)

# The images, built from Debian's packages with no registry (scripts/build-image.sh), and
# run: netavark (with iptables) for podman's networks, runc where crun cannot start
# containers, uidmap and slirp4netns for a user other than root.
container=(podman buildah mmdebstrap runc podman-compose netavark aardvark-dns iptables
           uidmap slirp4netns)

packages=("${build[@]}")
case "${1:-}" in
  --test) packages+=("${test[@]}" "${container[@]}") ;;
  --container) packages+=("${container[@]}") ;;
esac
# Debian's npm only where no Node.js is installed yet (NodeSource's bundles its own npm).
command -v npm >/dev/null || packages+=(nodejs npm)

export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed: ${packages[*]}"
# As whoever runs this script, not root: node_modules/ belongs to the checkout's owner.
npm ci --no-audit --no-fund --loglevel=error
echo "installed: npm packages of package-lock.json in $(pwd)/node_modules"

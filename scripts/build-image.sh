#!/usr/bin/env bash
# Builds the container images localhost/proof:VERSION and localhost/proof-redis:VERSION (each
# also :latest) from Debian's own packages, with no registry and no image pulled from
# anywhere: mmdebstrap fetches the packages proof and Redis need at run time into a root
# filesystem, and each image takes from it only the binary, the shared libraries it loads,
# the CA certificates and (proof) the public files: no shell, no package manager, no compiler.
# podman builds them from container/Containerfile and container/Containerfile.redis.
#
#   scripts/build-image.sh [--refresh] [BUILD_DIR]
#
# BUILD_DIR: a build tree whose `proof` and `public/` go into the image (the caller's, e.g.
# build/, built already); without one, a Release build in build-image/ is made first.
# The root filesystem (about 50 MB: 30-40 s to fetch on a good line) is kept in
# BUILD_DIR/image-cache/, named by a digest of the package list, and used again while that
# list is the same; --refresh fetches it again, for Debian's latest security updates.
set -euo pipefail

root_dir=$(cd "$(dirname "$0")/.." && pwd)
data_uid=10001  # proof's user in the image: not root, and no user of the host
redis_uid=10002

die() {
  echo "build-image: $*" >&2
  exit 1
}

usage() { sed -n '/^#   scripts/,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; }

build_dir=""
refresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --refresh) refresh=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 2 ;;
    *) build_dir=$1 ;;
  esac
  shift
done

for tool in mmdebstrap podman readelf strip dpkg-query dpkg-architecture ldd; do
  command -v "$tool" >/dev/null ||
    die "needs $tool (scripts/install-deps.sh --container installs what this script uses)"
done
# shellcheck source=/dev/null
. /etc/os-release
if [ "${ID:-}" != debian ] || [ -z "${VERSION_CODENAME:-}" ]; then
  die "builds from the packages of the Debian release it runs on; this is ${PRETTY_NAME:-unknown}"
fi
suite=$VERSION_CODENAME
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)

started=$(date +%s)
if [ -z "$build_dir" ]; then
  build_dir=$root_dir/build-image
  echo "build-image: building proof (Release) in $build_dir"
  cmake -S "$root_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DPROOF_BUILD_TESTS=OFF -DPROOF_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target proof proof_public
fi
build_dir=$(cd "$build_dir" && pwd)
binary=$build_dir/proof
public=$build_dir/public
[ -x "$binary" ] || die "$binary is not built (cmake --build $build_dir --target proof)"
[ -f "$public/proof.js" ] || die "$public has no proof.js (cmake --build $build_dir --target proof_public)"
version=$("$binary" --version | awk '{print $2}')

# The Debian packages that hold the libraries the host's binary loads: the image gets the
# same libraries from the archive, not from this machine. dpkg knows a library by the path
# its package installed, /lib/... or /usr/lib/... (merged /usr), so each spelling is asked,
# all in one query.
# redis-tools holds the Redis server (redis-check-rdb, which Debian's redis-server package
# only links as redis-server, beside a unit whose dependencies bring in all of perl).
packages=(ca-certificates redis-tools)
mapfile -t libraries < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
spellings=()
for library in "${libraries[@]}"; do
  real=$(realpath "$library")
  spellings+=("$library" "$real" "/usr$library" "${library#/usr}" "/usr$real" "${real#/usr}")
done
owners=$(dpkg-query -S "${spellings[@]}" 2>/dev/null || true)
for library in "${libraries[@]}"; do
  real=$(realpath "$library")
  package=""
  for spelling in "$library" "$real" "/usr$library" "${library#/usr}" "/usr$real" "${real#/usr}"; do
    package=$(awk -v path="$spelling" '$NF == path {sub(/:.*/, "", $1); print $1; exit}' <<<"$owners")
    [ -z "$package" ] || break
  done
  [ -n "$package" ] || die "no Debian package holds $library, and the image is made of Debian's packages only"
  packages+=("$package")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)

mirror=${DEBIAN_MIRROR:-http://deb.debian.org}
sources=("deb $mirror/debian $suite main"
         "deb $mirror/debian $suite-updates main"
         "deb $mirror/debian-security $suite-security main")
cache_dir=$build_dir/image-cache
key=$(printf '%s\n' "$suite" "$arch" "${sources[@]}" "${packages[@]}" | sha256sum | cut -c1-16)
rootfs_tar=$cache_dir/rootfs-$key.tar
mkdir -p "$cache_dir"
if [ "$refresh" = 1 ] || [ ! -f "$rootfs_tar" ]; then
  echo "build-image: fetching $suite's ${packages[*]}"
  fetch_started=$(date +%s)
  # extract: the packages and what they depend on, unpacked and never configured: none of
  # their scripts runs, and nothing but the files is needed.
  mmdebstrap --quiet --variant=extract --format=tar --include="$(IFS=,; echo "${packages[*]}")" \
    "$suite" "$rootfs_tar.part" "${sources[@]}"
  rm -f "$cache_dir"/rootfs-*.tar
  mv "$rootfs_tar.part" "$rootfs_tar"
  echo "build-image: root filesystem fetched in $(($(date +%s) - fetch_started)) s"
else
  echo "build-image: root filesystem from $rootfs_tar"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/proof-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs"
# Only what the images take from it: libraries, programs, certificates (not perl's files,
# the documentation and the manual pages, most of the archive).
tar -C "$rootfs" -xf "$rootfs_tar" --wildcards --exclude='./usr/lib/*/perl*' \
  './lib*' './usr/lib/*' './usr/bin/*' './usr/share/ca-certificates/*' './etc/ssl/*'
# What update-ca-certificates would write: every certificate Debian ships, each ending in
# a newline. The extract variant runs no package's scripts.
awk 1 "$rootfs"/usr/share/ca-certificates/mozilla/*.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"

# Where PATH, inside the root filesystem, finally leads: a symbolic link is followed as the
# image will follow it, never into this machine.
follow() {
  local path=$1 target
  while [ -L "$rootfs$path" ]; do
    target=$(readlink "$rootfs$path")
    case $target in
      /*) path=$target ;;
      *) path=$(realpath -m -s "$(dirname "$path")/$target") ;;
    esac
  done
  echo "$path"
}

# Copies PATH from the root filesystem into STAGE: a symbolic link as it is, then what it
# points to.
copy_in() {
  local stage=$1 path=$2 target
  while :; do
    [ -L "$rootfs$path" ] || [ -e "$rootfs$path" ] || die "the root filesystem has no $path"
    mkdir -p "$stage$(dirname "$path")"
    [ -L "$stage$path" ] || [ -e "$stage$path" ] || cp -a "$rootfs$path" "$stage$path"
    [ -L "$rootfs$path" ] || return 0
    target=$(readlink "$rootfs$path")
    case $target in
      /*) path=$target ;;
      *) path=$(realpath -m -s "$(dirname "$path")/$target") ;;
    esac
  done
}

# The dynamic loader and every library BINARY loads, as paths inside the root filesystem:
# the root filesystem's own loader lists them from its own library directories, so that a
# library that only this machine has is found missing here rather than in the container.
libraries() {
  local binary=$1 interpreter loader line path
  interpreter=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  [ -n "$interpreter" ] || die "$binary names no dynamic loader"
  echo "$interpreter"
  loader=$rootfs$(follow "$interpreter")
  "$loader" --library-path "$rootfs/lib/$triplet:$rootfs/usr/lib/$triplet" --list "$binary" |
    while read -r line; do
      case $line in
        *"=> not found"*) die "$binary: ${line%% *} is in none of the packages fetched" ;;
        *"=> /"*)
          path=$(echo "$line" | awk '{print $3}')
          case $path in
            "$rootfs"/*) echo "${path#"$rootfs"}" ;;
            *) die "$binary: $path comes from this machine, not from the root filesystem" ;;
          esac
          ;;
      esac
    done
}

# A user and a group of their own, and no login: the files tools read to name them.
accounts() {
  local stage=$1 name=$2 uid=$3 home=$4
  mkdir -p "$stage/etc"
  printf 'root:x:0:0:root:/root:/nonexistent\n%s:x:%s:%s:%s:%s:/nonexistent\n' \
    "$name" "$uid" "$uid" "$name" "$home" >"$stage/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$name" "$uid" >"$stage/etc/group"
  # Names from /etc/hosts (podman writes it), then DNS (compose's service names).
  echo 'hosts: files dns' >"$stage/etc/nsswitch.conf"
  mkdir -p "$stage/tmp"
  chmod 1777 "$stage/tmp"
}

stage_proof() {
  local stage=$work/proof library
  install -D -m 0755 "$binary" "$stage/usr/bin/proof"
  strip --strip-unneeded "$stage/usr/bin/proof"
  libraries "$binary" >"$work/libraries"
  while read -r library; do copy_in "$stage" "$library"; done <"$work/libraries"
  mkdir -p "$stage/usr/share/proof"
  cp -R "$public" "$stage/usr/share/proof/public"
  chmod -R u=rwX,go=rX "$stage/usr/share/proof"
  # For `proof send --url https://...` from inside the container: OpenSSL's default paths.
  for path in /usr/lib/ssl/cert.pem /usr/lib/ssl/certs /usr/lib/ssl/openssl.cnf; do
    copy_in "$stage" "$path"
  done
  accounts "$stage" proof "$data_uid" /var/lib/proof
  mkdir -p "$work/proof-data"  # /var/lib/proof, owned by proof (container/Containerfile)
}

stage_redis() {
  local stage=$work/redis library binary
  for binary in /usr/bin/redis-check-rdb /usr/bin/redis-cli; do
    copy_in "$stage" "$binary"
    libraries "$rootfs$(follow "$binary")" >"$work/libraries"
    while read -r library; do copy_in "$stage" "$library"; done <"$work/libraries"
  done
  # The link Debian's redis-server package makes: the program serves when called so.
  ln -s redis-check-rdb "$stage/usr/bin/redis-server"
  accounts "$stage" redis "$redis_uid" /var/lib/redis
  mkdir -p "$work/redis-data"
}

stage_proof
stage_redis

# Every file of an image gets the time of the last commit, so that the same checkout and
# packages give the same image.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root_dir" log -1 --format=%ct 2>/dev/null || date +%s)}
build_image() {
  local name=$1 containerfile=$2
  podman build --quiet --format docker --timestamp "$epoch" --build-arg VERSION="$version" \
    -f "$containerfile" -t "localhost/$name:$version" -t "localhost/$name:latest" "$work" >/dev/null
  local bytes
  bytes=$(podman image inspect --format '{{.Size}}' "localhost/$name:$version")
  echo "build-image: localhost/$name:$version (and :latest), $((bytes / 1000000)) MB"
}
build_image proof "$root_dir/container/Containerfile"
build_image proof-redis "$root_dir/container/Containerfile.redis"
echo "build-image: done in $(($(date +%s) - started)) s"

#!/usr/bin/env bash
# Make sure `docker buildx` (BuildKit) is available to build the Dockerfile.
#
# The Dockerfile uses BuildKit features (`RUN --mount=type=cache` for pip,
# `--mount=type=secret` for a proxy's CA). Without the buildx plugin, a current
# docker CLI falls back to the legacy builder, which rejects them.
#
# Order of preference:
#   1. `docker buildx version` already works: nothing to do.
#   2. this machine's apt has a docker-buildx package: apt-get install it.
#   3. otherwise take Debian's docker-buildx package from $BUILDX_SUITE
#      (default trixie, the first Debian release that ships it) and unpack only
#      the plugin binary into ~/.docker/cli-plugins: a per-user CLI plugin, so
#      nothing from another release is registered with dpkg. The archive is read
#      from $DEBIAN_MIRROR or this machine's apt sources; no host name is written here.
set -euo pipefail

suite=${BUILDX_SUITE:-trixie}
say() { printf 'buildx: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

if docker buildx version >/dev/null 2>&1; then
    say "$(docker buildx version | head -n 1)"
    exit 0
fi
command -v docker >/dev/null || die "docker is not installed"

# A candidate in the host's own archive is the best choice: signed, updated by apt.
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    candidate() { apt-cache policy docker-buildx 2>/dev/null | sed -nE 's/^[[:space:]]*Candidate:[[:space:]]*//p'; }
    # On a fresh machine the package lists may never have been downloaded.
    if [[ -z $(candidate) ]] && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        say "apt-get update (no package lists yet)"
        apt-get update -qq
    fi
    c=$(candidate)
    if [[ -n $c && $c != "(none)" ]]; then
        say "installing docker-buildx $c with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-buildx >/dev/null
        docker buildx version >/dev/null 2>&1 || die "docker-buildx installed but 'docker buildx version' fails"
        say "$(docker buildx version | head -n 1)"
        exit 0
    fi
fi

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    die "no buildx plugin and no apt to fetch one; install docker-buildx (https://docs.docker.com/go/buildx/)"
fi

# Same reading of the host's apt sources as scripts/base-image.sh.
apt_uri() {
    {
        sed -nE 's/^[[:space:]]*URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
        sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
    } | grep -E "/$1/?\$" | head -n 1 | sed -E 's#/$##'
}
mirror=${DEBIAN_MIRROR:-$(apt_uri debian || true)}
[[ -n $mirror ]] || die "no Debian archive in /etc/apt/sources*; set DEBIAN_MIRROR, or install docker-buildx yourself"

work=$(mktemp -d "${TMPDIR:-/tmp}/buildx.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT
chmod 0755 "$work"  # apt downloads as the unprivileged _apt user when it can
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/cache"
echo "deb $mirror $suite main" > "$work/sources.list"
# A private apt state: the temporary sources list is the only one read, and
# the host's own lists, cache and dpkg database are left as they were.
apt_tmp=(
    -o Dir::Etc::SourceList="$work/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$work/lists"
    -o Dir::Cache="$work/cache"
    -o Dir::Cache::Archives="$work/archives"
    -o Debug::NoLocking=1
)
say "fetching docker-buildx from Debian $suite ($mirror)"
apt-get "${apt_tmp[@]}" update -qq || die "could not read Debian $suite's package list from $mirror"
mkdir "$work/dl"
chown _apt "$work/dl" 2>/dev/null || true  # apt download writes to the current directory
(cd "$work/dl" && apt-get "${apt_tmp[@]}" download -qq docker-buildx) \
    || die "could not download docker-buildx from Debian $suite"

dpkg-deb -x "$work"/dl/docker-buildx_*.deb "$work/root"
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$plugins"
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" "$plugins/docker-buildx"
docker buildx version >/dev/null 2>&1 \
    || die "installed $plugins/docker-buildx but 'docker buildx version' fails"
say "installed $(docker buildx version | head -n 1) as $plugins/docker-buildx"

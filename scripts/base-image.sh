#!/usr/bin/env bash
# Make sure the Docker engine has the base image the Dockerfile starts FROM.
#
# Order of preference: the engine already has it; `docker pull` gets it (any
# machine with Docker Hub); otherwise build the same tag from Debian's archive
# with debootstrap + `docker import`, the way the official image is made
# (debuerreotype: minbase variant, docs and apt lists stripped). The archive is
# read from $DEBIAN_MIRROR or from this machine's own apt sources; no mirror
# host name is written here.
#
# Usage: scripts/base-image.sh [image]   (default: debian:trixie-slim)
set -euo pipefail

image=${1:-${BASE_IMAGE:-debian:trixie-slim}}
suite=${image#*:}
suite=${suite%-slim}

say() { printf 'base-image: %s\n' "$*" >&2; }

if docker image inspect "$image" >/dev/null 2>&1; then
    say "$image is present"
    exit 0
fi

say "pulling $image"
if docker pull "$image" >/dev/null 2>&1; then
    say "pulled $image"
    exit 0
fi
say "no registry answered; building $image from Debian's archive"

# First archive URI in the host's apt sources (deb822 .sources or one-line
# .list) whose path ends in /$1, e.g. .../debian or .../debian-security.
apt_uri() {
    {
        sed -nE 's/^[[:space:]]*URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
        sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
    } | grep -E "/$1/?\$" | head -n 1 | sed -E 's#/$##'
}

mirror=${DEBIAN_MIRROR:-$(apt_uri debian || true)}
security=${DEBIAN_SECURITY_MIRROR:-$(apt_uri debian-security || true)}
if [[ -z $mirror ]]; then
    say "error: no Debian archive found in /etc/apt/sources*; set DEBIAN_MIRROR (and DEBIAN_SECURITY_MIRROR)"
    exit 1
fi
security=${security:-${mirror}-security}
say "archive: $mirror (security: $security)"

if ! command -v debootstrap >/dev/null; then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        say "error: debootstrap is missing; install it (apt-get install debootstrap) and rerun"
        exit 1
    fi
    say "installing debootstrap"
    install_debootstrap() {
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    }
    # Update the package lists only if they are missing or stale (.ci/run has
    # already updated them once).
    install_debootstrap 2>/dev/null || { apt-get update -qq && install_debootstrap; }
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/base-image.XXXXXX")
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

say "debootstrap --variant=minbase $suite (a few minutes)"
# Its per-package lines (five for each of ~90 packages) are dropped; the stages stay.
debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" "$suite" "$rootfs" "$mirror" \
    | grep --line-buffered -vE '^I: ((Retrieving|Validating) [^ ]+ [^ ]+|(Extracting|Unpacking|Configuring) [^ ]+\.\.\.)$' \
    | sed -u 's/^/base-image:   /' >&2

say "slimming"
# The same dpkg excludes and apt settings the official slim images ship, so
# packages installed later in the Dockerfile stay slim too.
cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
CFG
cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
echo 'Acquire::Languages "none";' > "$rootfs/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' > "$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' > "$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
rm -f "$rootfs/etc/apt/sources.list"
cat > "$rootfs/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
(
    cd "$rootfs"
    find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    find usr/share/doc -mindepth 1 -type d -empty -delete
    find usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf usr/share/man/* usr/share/info/* usr/share/groff/* usr/share/lintian/* \
        var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old var/log/* \
        tmp/* var/tmp/* root/.bash_history
    # The engine provides these at run time.
    : > etc/hostname
    : > etc/resolv.conf
)

say "docker import $image"
tar --numeric-owner --xattrs -C "$rootfs" -c . \
    | docker import --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$image" >/dev/null
say "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"

# syntax=docker/dockerfile:1
# vecdot's image: a build stage compiles the C extension against Debian's CPython
# and tests it; the runtime stage serves it with Flask under gunicorn and has no
# compiler. Build with `make image` (scripts/docker-build.sh); see docs/docker.md.
#
# Both stages start from the same Debian release, so the extension is compiled
# and run with the exact same Python (3.13) and glibc.

# build: gcc and the CPython headers; builds the vecdot wheel (full API, for this
# stage's Python 3.13) and gunicorn's C parser, and runs the lib tests on them
FROM debian:trixie-slim AS build

# Not pinned to versions (hadolint DL3008): a Debian release's archive keeps only
# the current version of each package, so a pin breaks the build at the next
# security update. The release itself, trixie, is the pin.
# hadolint ignore=DL3008
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        gcc \
        libc6-dev \
        python3-dev \
        python3-venv \
    ; \
    rm -rf /var/lib/apt/lists/*

# pip without its self-update check (no network call) and never prompting.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

WORKDIR /src

# Two virtualenvs: /opt/venv is what the runtime stage copies (no pip in it:
# nothing is installed at run time); /opt/test holds pip and the test tools and
# never leaves this stage.
RUN set -eux; \
    python3 -m venv --without-pip /opt/venv; \
    python3 -m venv /opt/test

# Dependencies before sources: a change to lib/ or web/ reuses this layer.
# lib/pyproject.toml comes alone for its build requirements (setuptools), which
# go into /opt/test so the wheel below builds without build isolation: a
# rebuild after a source change then needs no network and no pip resolution.
# The pip_cert secret is a proxy's CA bundle when scripts/docker-build.sh finds
# one on the host (docs/docker.md); it is mounted for this step only.
# requirements.txt's gunicorn-h1c (gunicorn's C parser) is an sdist only: pip compiles
# its wheel here, with this stage's gcc, and the runtime stage copies it in /opt/venv.
# GET /docs loads three of swagger-ui-py's files (web/vecdot_web/docs.py ASSETS); the
# package's editor bundles and source maps, about 25 MB, are never served: dropped here.
COPY requirements.txt requirements-dev.txt requirements-docs.txt ./
COPY lib/pyproject.toml lib/
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=pip_cert \
    set -eux; \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    /opt/test/bin/python -c 'import tomllib; print(*tomllib.load(open("lib/pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
        > /tmp/build-requires.txt; \
    /opt/test/bin/pip install -r requirements-dev.txt -r /tmp/build-requires.txt; \
    /opt/test/bin/pip --python /opt/venv/bin/python install -r requirements.txt; \
    /opt/test/bin/pip --python /opt/venv/bin/python install --no-deps -r requirements-docs.txt; \
    find /opt/venv/lib/python3*/site-packages/swagger_ui/static -type f \
        ! -name swagger-ui-bundle.js ! -name swagger-ui.css ! -name favicon-32x32.png -delete; \
    rm -rf /opt/venv/lib/python3*/site-packages/swagger_ui/templates

# The wheel, installed into both virtualenvs from the same file. Built against the
# full C API (docs/building.md): this image runs one known Python, so it needs no
# abi3 portability, and lists convert faster (bench/limited_api.py). The lib tests
# read the same variable to expect the version-specific module file.
ENV VECDOT_FULL_API=1
COPY lib/ lib/
RUN set -eux; \
    /opt/test/bin/pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /wheels ./lib; \
    /opt/test/bin/pip install --no-deps --no-index /wheels/vecdot-*.whl; \
    /opt/test/bin/pip --python /opt/venv/bin/python install --no-deps --no-index /wheels/vecdot-*.whl

# The lib tests against the installed wheel, not the source tree: run from
# tests/ so that lib/vecdot (which has no compiled module) is not importable,
# with the project's pytest.ini (its timeouts and strict markers). The tests
# marked slow (minutes-long leak loops, crash isolation in subprocesses) are left
# to make test-lib, so that a one-file C change rebuilds in under 30 s.
COPY pytest.ini ./
COPY tests/lib/ tests/lib/
WORKDIR /src/tests
RUN /opt/test/bin/python -m pytest -q -p no:cacheprovider -m "not slow" lib


# runtime: Debian's python3 and the virtualenv from build; no compiler, no headers, no pip
FROM debian:trixie-slim AS runtime

# Unpinned for the reason given in the build stage.
# hadolint ignore=DL3008
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        python3 \
    ; \
    rm -rf /var/lib/apt/lists/*

# A system user with fixed IDs, so file permissions and orchestrator policies
# (runAsUser, runAsNonRoot) can name it.
RUN set -eux; \
    groupadd --system --gid 999 vecdot; \
    useradd --system --uid 999 --gid vecdot --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin vecdot

# PYTHONDONTWRITEBYTECODE: the root filesystem may be read-only, and the .pyc
# files are compiled at build time (pip compiles the virtualenv's).
# VECDOT_NUM_THREADS=1: gunicorn's workers already use the cores, so one dot
# product must not start threads of its own.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VECDOT_NUM_THREADS=1

# Owned by root and only readable by the service: it cannot rewrite its own code.
# web/ first, with its .pyc compiled now (the root filesystem may be read-only);
# the virtualenv, which changes with every C change, last.
COPY --chown=root:root web/ /app/web/
RUN python3 -m compileall -q /app/web
COPY --from=build --chown=root:root /opt/venv /opt/venv
RUN python -c "import vecdot; assert vecdot.dot([1, 2, 3], [4, 5, 6]) == 32.0; print(vecdot.hello())"

# The numeric form, so a runtime can check it is not root without reading /etc/passwd.
USER 999:999
WORKDIR /app
EXPOSE 8000

# Python's urllib, as the slim image has no curl; a 503 raises, so the check fails.
# The port is read from GUNICORN_BIND, as gunicorn reads it (web/gunicorn.conf.py).
# A 2 s interval lets the container report healthy within 3 s of a start (the
# first check runs one interval after it); each check costs ~50 ms of CPU.
HEALTHCHECK --interval=2s --timeout=2s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('GUNICORN_BIND', ':8000').split(',')[0].rpartition(':')[2]; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2)"]

# Exec form: gunicorn gets SIGTERM itself and shuts its workers down gracefully.
CMD ["gunicorn", "--config", "/app/web/gunicorn.conf.py"]

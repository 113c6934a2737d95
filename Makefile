# vecdot: one command for each job. `make help` lists them.
#
#   make up      build the images and run the proxy and service on 127.0.0.1:8000
#   make test    every test: linters, C kernel, fuzzing, library, web app, deploy files, containers
#   make bench   the benchmarks (not part of make test)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CC     ?= cc
# Whichever Compose the machine has: the v2 plugin or the v1 binary.
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
export COMPOSE
# One Compose project name whatever the clone's directory is called, so
# make up, down and logs always address the same service.
export COMPOSE_PROJECT_NAME ?= vecdot

# The plain-C sources (no Python.h): what tests/c and tests/fuzz link against.
# (One line: scripts/fuzz.sh reads it from here.)
KERNEL_SRC := lib/c/dot.c lib/c/cpu.c lib/c/pool.c lib/c/pool_run.c lib/c/exact.c lib/c/superacc.c lib/c/parse.c lib/c/decimal.c lib/c/format.c lib/c/doubles.c
# One program per file tests/c/test_*.c, each linked with KERNEL_SRC;
# test_pool makes malloc and calloc fail on demand through linker wrappers.
C_TEST_DIR := tests/c
C_TESTS    := kernel parse pool format dispatch
WRAP_pool  := -Wl,--wrap=malloc -Wl,--wrap=calloc
CFLAGS_C   := -std=c11 -O2 -g -Wall -Wextra -Werror -ffp-contract=off -Ilib/c
# Debian's wine64 package installs the loader off PATH.
WINE64     ?= $(or $(shell command -v wine64),/usr/lib/wine/wine64)

.DEFAULT_GOAL := help
.PHONY: help venv lib lint test test-deploy test-c test-fuzz test-lib test-web test-e2e serve image up rollout swarm-up swarm-down down logs \
	bench fuzz test-asan test-valgrind soak clean venv-dist dist wheels test-dist

FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 300

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The virtualenv is rebuilt when a requirements file changes.
$(VENV)/.ready: requirements.txt requirements-dev.txt requirements-lint.txt requirements-docs.txt requirements-deploy.txt
	@echo "== creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --progress-bar off -r requirements-dev.txt -r requirements-lint.txt -r requirements-deploy.txt
	$(PY) -m pip install --quiet --progress-bar off --no-deps -r requirements-docs.txt
	@touch $@

venv: $(VENV)/.ready ## create .venv with the pinned dev dependencies

lib: $(VENV)/.ready ## build and install the extension into .venv (pip install ./lib)
	@echo "== building the vecdot extension"
	@# setuptools builds in lib/build and packs whatever it finds there: start clean.
	rm -rf lib/build
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./lib

test: lint test-deploy test-c test-fuzz test-lib test-dist test-web test-e2e ## run every test (linters, manifests, C, fuzz, library, packaging, web, containers)

# Every file a linter understands, found by git so that a new file is linted too.
SHELL_FILES := $(shell git ls-files '*.sh') .ci/run
DOCKERFILES := $(shell git ls-files 'Dockerfile' '*/Dockerfile' '*.Dockerfile')
# deploy/k8s/Kustomization is YAML without the extension (the file says why).
YAML_FILES  := $(shell git ls-files '*.yml' '*.yaml' '*/Kustomization')

# cppcheck's checks of the C beyond the compiler's warnings. Written against
# cppcheck 2.10 (Debian bookworm's package; .ci/run installs it): another
# version may find more, which `make lint` then shows. --library=python
# knows Python.h's macros (Py_BEGIN_ALLOW_THREADS) without its headers. A
# suppression is written inline (// cppcheck-suppress id) with its reason.
CPPCHECK_FLAGS := --enable=warning,style,portability,performance --std=c11 --library=python \
	--error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem --quiet -Ilib/c
PY_INCLUDE = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')

lint: venv ## ruff, shellcheck, hadolint, yamllint (pinned in requirements-lint.txt), cppcheck; named paths exist
	@echo "== lint: ruff (Python), shellcheck (shell), hadolint (Dockerfiles), yamllint (YAML)"
	$(VENV)/bin/ruff check .
	$(VENV)/bin/shellcheck $(SHELL_FILES)
	$(VENV)/bin/hadolint $(DOCKERFILES)
	$(VENV)/bin/yamllint --strict $(YAML_FILES)
	@echo "== lint: lib/c compiles without a warning (the binding too), and $$(cppcheck --version) finds nothing"
	$(CC) -std=c11 -Wall -Wextra -Werror -fsyntax-only -Ilib/c -I$(PY_INCLUDE) lib/c/*.c
	cppcheck $(CPPCHECK_FLAGS) lib/c
	@echo "== lint: the linters themselves catch a known mistake; every path the tree names exists"
	$(PY) -m pytest -q tests/repo

test-deploy: venv ## the Kubernetes manifests (deploy/k8s/): schemas, hardening, agreement with the image; offline
	@echo "== deployment manifests"
	$(PY) -m pytest tests/deploy

test-c: ## the plain-C tests, no Python involved (also with clang, under ASan+UBSan, helgrind, TSan, qemu: aarch64 and a CPU without AVX, Windows: wine)
	@mkdir -p build/asan build/aarch64 build/clang build/windows
	@echo "== C tests"
	$(foreach t,$(C_TESTS),$(CC) $(CFLAGS_C) -o build/test_$(t) $(C_TEST_DIR)/test_$(t).c $(KERNEL_SRC) -lm $(WRAP_$(t)) && ./build/test_$(t) &&) true
	@# Again under ASan+UBSan: no helper thread may read the vectors after
	@# vd_dot returns (the busy-cores test frees them right after each call).
	@echo "== C tests under ASan+UBSan"
	$(foreach t,$(C_TESTS),$(CC) $(CFLAGS_C) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -o build/asan/test_$(t) $(C_TEST_DIR)/test_$(t).c $(KERNEL_SRC) -lm $(WRAP_$(t)) && \
		./build/asan/test_$(t) &&) true
	@# The threaded kernel under helgrind: no data race, no lock misuse.
	@if command -v valgrind >/dev/null; then \
		echo "== C tests under helgrind (threads)"; \
		valgrind --tool=helgrind -q --error-exitcode=1 ./build/test_pool && \
		valgrind --tool=helgrind -q --error-exitcode=1 ./build/test_kernel && \
		valgrind --tool=helgrind -q --error-exitcode=1 ./build/test_dispatch; \
	else \
		echo "== helgrind: skipped (apt-get install valgrind)"; \
	fi
	@# The same tests built for aarch64, where the portable (non-AVX2) paths
	@# run: .ci/run installs the cross compiler and qemu. Without the fork
	@# tests: under qemu-user a child forked while a thread is alive cannot
	@# start threads (qemu's own assertion fails, vecdot or not).
	@if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then \
		echo "== C tests, aarch64 (qemu)"; \
		$(foreach t,$(C_TESTS),aarch64-linux-gnu-gcc $(CFLAGS_C) -DSKIP_FORK_TEST -static \
			-o build/aarch64/test_$(t) $(C_TEST_DIR)/test_$(t).c $(KERNEL_SRC) -lm $(WRAP_$(t)) && \
			qemu-aarch64 ./build/aarch64/test_$(t) &&) true; \
	else \
		echo "== C tests, aarch64: skipped (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"; \
	fi
	@# On an x86-64 CPU without AVX (qemu's Nehalem model): cpu.c must find
	@# the baseline and the kernels take it.
	@if [ "$$(uname -m)" = x86_64 ] && command -v qemu-x86_64 >/dev/null; then \
		echo "== C tests, x86-64 without AVX (qemu -cpu Nehalem)"; \
		$(foreach t,kernel dispatch,$(CC) $(CFLAGS_C) -static -o build/nehalem_$(t) $(C_TEST_DIR)/test_$(t).c \
			$(KERNEL_SRC) -lm && qemu-x86_64 -cpu Nehalem ./build/nehalem_$(t) &&) true; \
	else \
		echo "== C tests, x86-64 without AVX: skipped (needs an x86-64 host and qemu-user)"; \
	fi
	@# Built by clang too, warnings as errors: the dispatch (cpu.c) and the
	@# threads (thread.h) must not lean on GCC.
	@if command -v clang-14 >/dev/null; then \
		echo "== C tests, clang-14"; \
		$(foreach t,$(C_TESTS),clang-14 $(CFLAGS_C) -o build/clang/test_$(t) $(C_TEST_DIR)/test_$(t).c \
			$(KERNEL_SRC) -lm $(WRAP_$(t)) && ./build/clang/test_$(t) &&) true; \
		echo "== C tests under ThreadSanitizer (clang-14; not test_pool, whose fork tests TSan refuses)"; \
		$(foreach t,kernel dispatch,clang-14 $(CFLAGS_C) -O1 -fsanitize=thread -o build/clang/tsan_$(t) \
			$(C_TEST_DIR)/test_$(t).c $(KERNEL_SRC) -lm && ./build/clang/tsan_$(t) &&) true; \
	else \
		echo "== C tests, clang-14: skipped (apt-get install clang-14)"; \
	fi
	@# For Windows with mingw-w64, run by wine: Win32 threads and cpuid
	@# dispatch as MSVC's build uses them (thread.h, cpu.c). Without the fork
	@# tests: Windows has no fork (test_pool.c skips them itself).
	@if command -v x86_64-w64-mingw32-gcc >/dev/null && [ -x "$(WINE64)" ]; then \
		export WINEPREFIX="$(CURDIR)/build/wine" WINEDEBUG=-all; \
		if [ ! -d build/wine ]; then \
			echo "== wine: making a prefix in build/wine (the first time only, ~10 s)"; \
			"$(WINE64)" wineboot -i >/dev/null 2>&1 || exit 1; \
		fi; \
		echo "== C tests, Windows x86-64 (mingw-w64, wine)"; \
		$(foreach t,$(C_TESTS),x86_64-w64-mingw32-gcc $(CFLAGS_C) -static \
			-o build/windows/test_$(t).exe $(C_TEST_DIR)/test_$(t).c $(KERNEL_SRC) -lm $(WRAP_$(t)) && \
			"$(WINE64)" build/windows/test_$(t).exe &&) true; \
	else \
		echo "== C tests, Windows: skipped (apt-get install gcc-mingw-w64-x86-64 wine64)"; \
	fi

test-fuzz: ## replay the fuzz seeds, then fuzz the C parser and kernels for 25 s each (libFuzzer)
	@echo "== fuzz, short"
	scripts/fuzz.sh 25

test-lib: lib ## the library tests (pytest tests/lib), then a quick subset on a clang-14 build
	@echo "== library tests"
	$(PY) -m pytest tests/lib
	@# The extension built by clang, warnings as errors, into a throwaway
	@# directory put ahead of .venv's copy: its own tests and the accuracy ones.
	@if command -v clang-14 >/dev/null; then \
		echo "== library tests on the extension built by clang-14 (-Werror; C only, not slow)"; \
		rm -rf lib/build build/clang-lib && \
		CC=clang-14 CFLAGS=-Werror $(PY) -m pip install --quiet --no-deps --target build/clang-lib ./lib && \
		rm -rf lib/build && \
		PYTHONPATH=build/clang-lib $(PY) -c 'import vecdot; assert "build/clang-lib" in vecdot.__file__, vecdot.__file__' && \
		PYTHONPATH=build/clang-lib $(PY) -m pytest -q -p no:cacheprovider -m "not slow" -k "not native" \
			tests/lib/test_extension.py tests/lib/test_extension_threads.py tests/lib/test_dot_accuracy.py; \
	else \
		echo "== library tests on a clang-14 build: skipped (apt-get install clang-14)"; \
	fi

# The packaging tools (requirements-dist.txt), added to .venv for the targets below.
$(VENV)/.dist-ready: $(VENV)/.ready requirements-dist.txt
	$(PY) -m pip install --quiet --progress-bar off -r requirements-dist.txt
	@touch $@

venv-dist: $(VENV)/.dist-ready ## add the packaging tools (build, cibuildwheel, auditwheel...) to .venv

dist: $(VENV)/.dist-ready ## the sdist, the abi3 wheel and this Python's full-API wheel in build/dist
	rm -rf build/dist
	$(PY) -m build --outdir build/dist lib
	VECDOT_FULL_API=1 $(PY) -m pip wheel --no-deps --no-cache-dir --wheel-dir build/dist build/dist/vecdot-*.tar.gz

# What .github/workflows/wheels.yml runs on its Linux runners, both builds (the
# tests read VECDOT_FULL_API, passed into the containers, to know which they check).
# Needs Docker and the manylinux and musllinux images.
wheels: $(VENV)/.dist-ready ## the Linux wheel matrix with cibuildwheel in build/wheelhouse (Docker)
	VECDOT_FULL_API=0 $(VENV)/bin/cibuildwheel --platform linux --output-dir build/wheelhouse lib
	VECDOT_FULL_API=1 $(VENV)/bin/cibuildwheel --platform linux --output-dir build/wheelhouse lib

test-dist: $(VENV)/.dist-ready ## the sdist and both wheels: contents, audits, tests on every CPython here, CI config
	@echo "== distribution tests"
	$(PY) -m pytest tests/dist

test-web: lib ## the web app tests, including a real gunicorn (pytest tests/web)
	@echo "== web tests"
	$(PY) -m pytest tests/web

test-e2e: venv ## build the image, run it with compose, test it over HTTP
	@echo "== end-to-end container tests"
	$(PY) -m pytest tests/e2e

serve: lib ## run the service locally with gunicorn on port 8000 (no Docker)
	$(VENV)/bin/gunicorn --config web/gunicorn.conf.py

image: ## build the images vecdot:latest and vecdot-proxy:latest (base image first if missing)
	scripts/docker-build.sh

# Service replicas for `make up` (default 1) and `make swarm-up` (default 2); the
# scripts hold the defaults.
REPLICAS ?=

up: image ## build, start the proxy and REPLICAS (default 1) service containers, wait until healthy
	REPLICAS=$(REPLICAS) scripts/compose-up.sh

rollout: ## replace every running replica with one from the current image, one at a time, under load
	scripts/compose-rollout.sh

swarm-up: image ## deploy the stack on Docker Swarm with REPLICAS (default 2), wait until healthy
	REPLICAS=$(REPLICAS) scripts/swarm.sh up

swarm-down: ## remove the Swarm stack; leave the swarm if swarm-up created it
	scripts/swarm.sh down

down: ## stop the proxy and the service
	$(COMPOSE) down

logs: ## follow the service logs
	$(COMPOSE) logs -f

bench: lib ## run the benchmarks (about 6 minutes; BENCH_ARGS=--quick for a smoke run)
	scripts/bench-deps.sh
	$(PY) -m pip install --quiet --progress-bar off -r bench/requirements.txt
	$(PY) bench/run.py $(BENCH_ARGS)

fuzz: ## fuzz the C parser and kernels for FUZZ_SECONDS each (default 600), in parallel
	scripts/fuzz.sh $(FUZZ_SECONDS)

test-asan: venv ## the lib and web suites against an ASan+UBSan build of the extension (~10 min)
	scripts/asan.sh

test-valgrind: venv ## the lib suite under valgrind memcheck (~20 min)
	scripts/valgrind.sh

soak: venv ## the container under 64 connections of mixed traffic for SOAK_SECONDS (default 300)
	VECDOT_SOAK_SECONDS=$(SOAK_SECONDS) $(PY) -m pytest tests/e2e/test_soak.py

clean: ## remove build artefacts and the virtualenv
	rm -rf build lib/build lib/*.egg-info $(VENV) .pytest_cache .hypothesis

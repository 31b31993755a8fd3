# The two commands of the README, and the steps they share.
# `make demo`: set up, build a simulated world, load it, serve on 127.0.0.1:8000.
# `make test`: set up, then the whole test suite (SQLite always; PostgreSQL when reachable, required in CI).

# uv runs as a module of the machine's python3, so no PATH juggling on a fresh machine.
UV := python3 -m uv
PY := .venv/bin/python
ZEROSCAM := .venv/bin/zeroscam

.PHONY: uv syslibs setup demo test test-fast browser bench clean

uv:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --break-system-packages uv

setup: uv syslibs
	@# bytecode compiled once at install (as pip does): every command starts ~1 s sooner, also where
	@# PYTHONDONTWRITEBYTECODE keeps Python from caching it at run time
	$(UV) sync --frozen --all-extras --compile-bytecode
	@$(PY) -m compileall -q src
	@# web assets from the npm registry (package-lock.json), copied into a git-ignored served folder
	@(command -v npm >/dev/null 2>&1 && npm ci --omit=dev --no-audit --no-fund --loglevel=error && $(PY) -m zeroscam.web.assets) || echo "web assets not installed (npm missing or failed): pages will lack charts, graph view and the Thai web font"

# libsodium (ristretto255 for blind lookups; PyNaCl's wheel does not expose it) and a JVM for --engine spark.
syslibs:
	@(ldconfig -p 2>/dev/null | grep -q libsodium.so) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsodium23 >/dev/null) || echo "libsodium not installed: blind lookups will be unavailable"
	@command -v java >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) || echo "java not installed: --engine spark will be unavailable"

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null) || echo "chromium not installed: browser tests will be skipped"

demo: setup
	$(ZEROSCAM) demo

test: setup browser
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -q -x -m "not spark and not browser and not slow" $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf .venv zeroscam-data test-artifacts

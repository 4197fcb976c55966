# inversa — the two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: demo test lint typecheck bench clean chromium fuzz

# The stamp files re-run the install when a lock file changes.
$(VENV)/.runtime: requirements/runtime.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements/runtime.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.test: requirements/test.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements/test.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.runtime

# The main job: backtest (a), a -1x BTC token with coin collateral on Bybit's inverse
# perpetual, 2018-11 .. 2025-04, from bundled data (summary, HTML report, rebalance CSV);
# then the calculator tour.
demo: $(VENV)/.runtime
	$(BIN)/inversa token backtest --config examples/token_a_btc_coin_band.toml
	$(BIN)/inversa demo

lint: $(VENV)/.test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.test
	$(BIN)/mypy

# The HTML report test renders every report in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium >/dev/null; \
	  else \
	    echo "error: chromium is missing: install it with 'sudo apt-get install chromium'" >&2; \
	    exit 1; \
	  fi; }

test: lint typecheck chromium
	$(BIN)/python -m pytest -n 2 -q

# The full fuzz corpus (tests/fuzz): bad input for every option of every command; prints
# the outcome table; fails on a failing case not listed in tests/fuzz/known_failures.py.
fuzz: $(VENV)/.test
	$(BIN)/python -m tests.fuzz

bench: $(VENV)/.test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

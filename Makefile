# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
# The first Python 3.11+ that really runs (a pyenv shim may name a version that is not installed).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
  if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
# Test processes run at once (.ci/pytest-shards; each has a database of its own): most tests
# wait on servers, so three keep two cores busy. 1 runs them in one process.
PYTEST_WORKERS ?= 3
PORT ?= 5000
export HOST PORT

.PHONY: run test install frontend translations lint typecheck pytest bench clean

run: install ## Install, upgrade the SQLite database, seed demo data and serve on http://$(HOST):$(PORT)
	$(BIN)/upstander db upgrade
	$(BIN)/upstander seed
	$(BIN)/upstander serve

test: install lint typecheck pytest ## Install and run every check

install: $(STAMP) translations frontend

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# pip compiles the packages' byte code one file after another: compiled afterwards on every
	@# core, the install takes a third less time.
	$(BIN)/python -m pip install --quiet --no-compile -e ".[dev]"
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true
	rm -f $(VENV)/.installed-*
	touch $@

translations: $(STAMP)
	@$(BIN)/pybabel compile --use-fuzzy -d network/translations -D messages >/dev/null

# Redoc's menu shows a logo from its CDN: the copy points it at nothing (no third-party request;
# the policy allows no other host), and the logo hides itself.
frontend:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f node_modules/socket.io-client/dist/socket.io.min.js ] || [ ! -f node_modules/redoc/bundles/redoc.standalone.js ]; then \
	    npm install --no-audit --no-fund --no-package-lock --loglevel=error || echo "npm install failed; pages work without the live feed client and the API reference viewer"; \
	  fi; \
	  mkdir -p static/vendor; \
	  cp -f node_modules/socket.io-client/dist/socket.io.min.js static/vendor/ 2>/dev/null || true; \
	  if [ -f node_modules/redoc/bundles/redoc.standalone.js ]; then \
	    sed 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:,#' node_modules/redoc/bundles/redoc.standalone.js > static/vendor/redoc.standalone.js; \
	  fi; \
	else echo "npm not found: skipping front-end packages (pages still work)"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	@# Test runs start the app in many processes (workers, servers, commands); where Python may
	@# not write its byte code (PYTHONDONTWRITEBYTECODE), each would compile the package again.
	@$(BIN)/python -m compileall -q -j 0 network tests bench >/dev/null 2>&1 || true
	@if [ -z "$$TEST_DATABASE_URL" ]; then echo "NOTE: TEST_DATABASE_URL not set: PostgreSQL tests are skipped (SQLite runs)."; fi
	@if [ -z "$$TEST_REDIS_URL" ]; then echo "NOTE: TEST_REDIS_URL not set: Redis and Celery-worker tests are skipped."; fi
	@if [ "$(PYTEST_WORKERS)" -gt 1 ]; then .ci/pytest-shards $(PYTEST_WORKERS) $(PYTEST_ARGS); else $(BIN)/pytest $(PYTEST_ARGS); fi

# Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL) and npm; 3 to 10 minutes.
bench: install ## Benchmarks against baselines, one table (not part of make test); BENCH_ARGS="--only fanout"
	$(BIN)/python -m bench $(BENCH_ARGS)

messages: $(STAMP) ## Re-extract translatable texts and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o network/translations/messages.pot .
	$(BIN)/pybabel update -i network/translations/messages.pot -d network/translations -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules static/vendor .mypy_cache .ruff_cache .pytest_cache

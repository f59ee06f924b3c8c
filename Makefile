# Mosaic: `make run` and `make test` do all set-up on a fresh clone (Python 3.11+ is all they need).
# The first interpreter that actually runs and is 3.11+ (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
PYTEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install lock run test lint format migrate seed docs bench clean reset mock audit

help:
	@echo "make run      set up and serve the API on http://127.0.0.1:8000 (Swagger UI at /docs; PORT=8010 make run)"
	@echo "make test     set up and run the test suite"
	@echo "make lint     ruff, mypy and import-linter"
	@echo "make audit    pip-audit of the installed packages (needs PyPI's or OSV's advisory data)"
	@echo "make lock     refresh requirements.lock from the installed versions"
	@echo "make migrate  apply database migrations"
	@echo "make seed     create default roles, permissions, plans and the superadmin"
	@echo "make docs     regenerate docs/api from the app"
	@echo "make bench    run the load benchmarks"
	@echo "make mock     serve the documented examples (docs/api) on http://127.0.0.1:8001"
	@echo "make reset    delete local state: the SQLite database, uploads, the email outbox and logs"

# requirements.lock constrains every package to the version the suite passed with, so a fresh
# install gets the same FastAPI/Starlette/SQLAlchemy; `make lock` refreshes it from .venv.
$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Mosaic needs Python 3.11+ (python3 on PATH)"; exit 1; }
	@echo "==> [1/3] creating the virtualenv in $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] upgrading pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [3/3] installing Mosaic and its dependencies (first run: a few minutes; one line per package)"
	@set -o pipefail; $(BIN)/python -m pip install --progress-bar off -e '.[dev]' -c requirements.lock \
		| { grep --line-buffered -E '^(Collecting|Successfully|ERROR)' || true; } \
		|| { echo "the install failed: run $(BIN)/python -m pip install -e '.[dev]' -c requirements.lock to see why"; exit 1; }
	@touch $(STAMP)

# Node tools of the test suite (the OpenAPI linter), pinned by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		echo "==> installing the Node test tools (npm ci)"; \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the OpenAPI lint test is skipped (it runs in CI)"; fi

lock: install
	@{ sed -n '1,3p' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP) migrate
	@$(BIN)/mosaic serve

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# --strict: a package the advisory service cannot answer for fails the audit instead of being
# skipped (without it, an unreachable service reports "No known vulnerabilities found").
audit: install
	@$(BIN)/python -m pip install --quiet -e '.[audit]' -c requirements.lock
	$(BIN)/pip-audit --strict --skip-editable --vulnerability-service $${AUDIT_SERVICE:-pypi}

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mosaic tests
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	@echo "==> applying database migrations"
	@$(BIN)/mosaic migrate

seed: install
	$(BIN)/mosaic seed

docs: install
	$(BIN)/mosaic docs build

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

mock: $(STAMP)
	$(BIN)/python mock_api.py

# Local state only (what `make run` creates under var/ and logs/); the virtualenv stays.
reset:
	rm -rf var logs
	@echo "local state cleared: the next \`make run\` starts with a fresh database and the seeded superadmin"

clean:
	rm -rf $(VENV) node_modules var logs .pytest_cache .mypy_cache .ruff_cache

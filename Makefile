# Mosaic: `make run` and `make test` do all set-up on a fresh clone (Python 3.11+ is all they need).
# The first interpreter that actually runs and is 3.11+ (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install lock run test lint format migrate seed docs bench clean

help:
	@echo "make run      set up and serve the API on http://127.0.0.1:8000 (Swagger UI at /docs)"
	@echo "make test     set up and run the test suite"
	@echo "make lint     ruff, mypy and import-linter"
	@echo "make lock     refresh requirements.lock from the installed versions"
	@echo "make migrate  apply database migrations"
	@echo "make seed     create default roles, permissions, plans and the superadmin"
	@echo "make docs     regenerate docs/api from the app"
	@echo "make bench    run the load benchmarks"

# requirements.lock constrains every package to the version the suite passed with, so a fresh
# install gets the same FastAPI/Starlette/SQLAlchemy; `make lock` refreshes it from .venv.
$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Mosaic needs Python 3.11+ (python3 on PATH)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c requirements.lock
	@touch $(STAMP)

install: $(STAMP)

lock: install
	@{ sed -n '1,3p' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

run: install migrate
	$(BIN)/mosaic serve

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mosaic tests
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/mosaic migrate

seed: install
	$(BIN)/mosaic seed

docs: install
	$(BIN)/mosaic docs build

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var logs .pytest_cache .mypy_cache .ruff_cache

# Pushdeck: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Settings are secure by default (DEBUG off); the local demo, the tests and the benchmarks
# run in debug mode unless told otherwise.
export DEBUG ?= 1

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The message catalogs are compiled with Babel (pure Python): no gettext on the machine.
install: $(STAMP)
	$(BIN)/python -m console.catalogs

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Pushdeck: http://$(HOST):$(PORT)/  (web + worker + beat; Ctrl-C stops all)"
	@echo
	@# bin/run.py starts each service in a process group of its own and stops them together
	@# on Ctrl-C, within seconds; exec leaves no shell in between to be interrupted.
	@export TPNS_SANDBOX_BASE_URL="$${TPNS_SANDBOX_BASE_URL:-http://$(HOST):$(PORT)/sandbox}"; \
	exec $(BIN)/python bin/run.py --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy console pushes tests
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy console pushes tests
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf var db.sqlite3 staticfiles test-results

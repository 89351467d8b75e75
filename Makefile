# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
export CLEARINGHOUSE_DATA_DIR ?= ./var

.PHONY: install run test test-sqlite test-postgres lint format bench walkthrough clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/clearinghouse db upgrade
	@echo "Clearinghouse on http://$(HOST):$(PORT)  (GET /healthz, GET /v1/openapi.json; another port: PORT=8081 make run)"
	$(BIN)/clearinghouse serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite on SQLite, then again on a fresh PostgreSQL database.
test: lint
	$(BIN)/python scripts/run_tests.py

# The README's walkthrough, run as written against a throwaway server, as a transcript.
walkthrough: $(STAMP)
	$(BIN)/python scripts/walkthrough.py

# match_wrk drives the server with wrk (Debian package), installed here when missing.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/run_all.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Two set-up commands: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run test install lint format bench migrate demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py wallet_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the browser tests' accessibility checks; without npm those tests skip and say why.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: the browser tests will be skipped (axe-core is missing)."; \
	elif npm ci --no-audit --no-fund; then touch $@; \
	else echo "npm ci failed: the browser tests will be skipped (axe-core is missing)."; fi

test: install node_modules/axe-core/axe.min.js
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	bash tests/run_suite.sh

lint: install
	$(BIN)/python -m ruff check .

format: install
	$(BIN)/python -m ruff format .
	$(BIN)/python -m ruff check --fix .

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

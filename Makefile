# Two set-up commands: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run run-stripe test install lint typecheck format bench migrate demo fuzz messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled translations (fr, de, it, es) of the app and of the demo project, with Babel's
# compiler: no GNU gettext needed. `makemessages` (which does need it) updates the .po files.
messages: install
	$(BIN)/pybabel compile --statistics -d wallet/locale -D django
	$(BIN)/pybabel compile --statistics -d config/locale -D django

migrate: install messages
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py wallet_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The demo with a Stripe gateway on localstripe (a fake, stateful Stripe on STRIPE_PORT): no
# keys needed. localstripe delivers its webhooks to the gateway's endpoint; Ctrl-C stops both.
STRIPE_PORT ?= 8420
STRIPE_API := http://127.0.0.1:$(STRIPE_PORT)
run-stripe: demo
	@$(BIN)/localstripe --port $(STRIPE_PORT) --from-scratch >/dev/null 2>&1 & ls=$$!; \
	trap 'kill $$ls 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do \
	  curl -sf -u sk_test_localstripe: $(STRIPE_API)/v1/customers >/dev/null && break; sleep 0.2; \
	done; \
	id=$$($(BIN)/python manage.py wallet_gateway --name Stripe --kind stripe --mode test \
	  --secret-key sk_test_localstripe --publishable-key pk_test_localstripe \
	  --webhook-secret whsec_localstripe --api-base $(STRIPE_API)) || exit 1; \
	curl -sf $(STRIPE_API)/_config/webhooks/wallet -d secret=whsec_localstripe \
	  -d url=http://127.0.0.1:$(PORT)/wallet/webhooks/stripe/$$id/ >/dev/null; \
	echo "Stripe gateway $$id on localstripe at $(STRIPE_API)"; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Node test tooling, reinstalled when package.json or package-lock.json change: axe-core for the
# browser tests' accessibility checks, Commerce Layer's SDKs for tests/sdk. Without npm those
# tests skip and say why.
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: the browser and Commerce Layer SDK tests will be skipped."; \
	elif npm ci --no-audit --no-fund; then touch $@; \
	else echo "npm ci failed: the browser and Commerce Layer SDK tests will be skipped."; fi

# mypy checks wallet/ while the suite runs (under nice: the suite's browser runs set the pace);
# its report follows the suite's, and either failing fails the target.
test: install messages node_modules/.installed
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	@log=$$(mktemp); nice -n 10 $(BIN)/python -m mypy wallet >$$log 2>&1 & mypy=$$!; \
	bash tests/run_suite.sh; suite=$$?; \
	wait $$mypy; typed=$$?; echo "== mypy wallet"; cat $$log; rm -f $$log; \
	[ $$suite -eq 0 ] && [ $$typed -eq 0 ]

# A deeper fuzz run of the API than the bounded one `make test` runs (tests/api/test_fuzz.py, in
# the suite): every schemathesis phase (boundary values of each parameter included) and more
# random examples per operation; it fails on any 5xx, any status the OpenAPI document does not
# list for the operation and any body its schema refuses.
fuzz: install
	FUZZ_COVERAGE=1 FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),50) \
	  DATABASE_URL="sqlite:///$(CURDIR)/.test-db.sqlite3" \
	  $(BIN)/python -m pytest tests/api/test_fuzz.py -q -p no:cacheprovider

lint: install
	$(BIN)/python -m ruff check .

# Static types of the app (settings in pyproject.toml's [tool.mypy]); `make test` runs it too.
typecheck: install
	$(BIN)/python -m mypy wallet

format: install
	$(BIN)/python -m ruff format .
	$(BIN)/python -m ruff check --fix .

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

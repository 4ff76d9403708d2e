#!/usr/bin/env bash
# Runs the whole suite on SQLite and on PostgreSQL (when TEST_DATABASE_URL answers), all at once.
#
# Each database gets two runs, and the four runs start together:
# - the tests that use only the ORM, spread over TEST_WORKERS pytest-xdist workers (default 2,
#   one per core), each worker on its own test database (an in-memory SQLite database per
#   process; test_<name>_gw0, _gw1... on PostgreSQL);
# - in one process without xdist, the tests tests/conftest.py marks `serial`: those that start a
#   live server or a browser, or race real threads (WALLET_TEST_RUN=serial: on the SQLite file
#   .test-serial.sqlite3; test_<name>_serial on PostgreSQL).
# The serial runs are chains (test, server, Chromium, one waiting on the next), so they set the
# pace: they run at normal priority and the workers under `nice`, taking the CPU the chains
# leave. Nothing is shared between the runs: each has its databases, its live server and
# localstripe on free ports, and the cache is per process (locmem). Their output follows, one
# run after the other. Extra arguments go to every pytest run (a -m of your own replaces the
# split: then run pytest directly).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORKERS="${TEST_WORKERS:-2}"

if $PY -c "import xdist" 2>/dev/null && [ "$WORKERS" != 0 ]; then
  PARALLEL=(-n "$WORKERS")
else
  echo "pytest-xdist is not installed (pip install -e '.[dev]') or TEST_WORKERS=0: one process."
  PARALLEL=(-p no:xdist)
fi

# Every process imports the same test modules, whose asserts pytest rewrites and compiles: with
# bytecode off (PYTHONDONTWRITEBYTECODE) each process would do it all again, seconds apiece, so
# the runs write it (to __pycache__/, which git ignores) as Python does by default.
unset PYTHONDONTWRITEBYTECODE

SQLITE="sqlite:///$(pwd)/.test-db.sqlite3"
POSTGRES="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
LOGS="$(mktemp -d)"
RUNS=()
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$LOGS"; exit 130' INT TERM

# start NAME COMMAND...: run COMMAND in the background, its output and exit status kept in LOGS.
start() {
  local name=$1
  shift
  RUNS+=("$name")
  ("$@" >"$LOGS/$name" 2>&1; echo $? >"$LOGS/$name.status") &
  PIDS+=($!)
}

# Every test under tests/browser and tests/sdk is serial: not importing them saves each worker
# the seconds Commerce Layer's generated client takes to import.
workers=(nice -n 10 $PY -m pytest "${PARALLEL[@]}" -m "not serial" --ignore=tests/browser
  --ignore=tests/sdk "$@")
serial=($PY -m pytest -p no:xdist -m serial "$@")

start "SQLite, ORM tests on ${WORKERS} workers" env DATABASE_URL="$SQLITE" "${workers[@]}"
start "SQLite, serial tests (a live server, a browser, racing threads)" \
  env DATABASE_URL="$SQLITE" WALLET_TEST_RUN=serial "${serial[@]}"

if $PY - "$POSTGRES" <<'PYEOF'
import sys, psycopg
try:
    # The server's own database: the named one need not exist (the tests create test_<name>).
    url = sys.argv[1].replace("postgres://", "postgresql://", 1)
    psycopg.connect(url, dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL at {sys.argv[1]} is not reachable ({exc.__class__.__name__}); skipping that run.")
    sys.exit(1)
PYEOF
then
  start "PostgreSQL, ORM tests on ${WORKERS} workers" env DATABASE_URL="$POSTGRES" "${workers[@]}"
  # The browser tests draw the same markup as on SQLite: their screenshots and axe-core's
  # audit of each page come from that run.
  start "PostgreSQL, serial tests (a live server, a browser, racing threads)" \
    env DATABASE_URL="$POSTGRES" WALLET_TEST_RUN=serial WALLET_TEST_SCREENSHOTS=0 \
    WALLET_TEST_AXE=0 "${serial[@]}"
fi

wait || true
trap - INT TERM
failed=0
for name in "${RUNS[@]}"; do
  echo "== $name"
  cat "$LOGS/$name"
  status="$(cat "$LOGS/$name.status" 2>/dev/null || echo 1)"
  # pytest's exit status 5 means "no tests collected" (say, a path without serial tests): fine.
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then failed=$status; fi
done
rm -rf "$LOGS"
exit "$failed"

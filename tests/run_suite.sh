#!/usr/bin/env bash
# Runs the whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL answers.
#
# Each run has two parts: the tests that use only the ORM, spread over TEST_WORKERS pytest-xdist
# workers (default 2, one per core), each worker on its own test database (an in-memory SQLite
# database per process; test_<name>_gw0, _gw1... on PostgreSQL); and, in one process without
# xdist, the tests tests/conftest.py marks `serial`: those that start a live server or a
# browser, or race real threads (on test_<name>). Extra arguments go to every pytest run (a -m
# of your own replaces the split: then run pytest directly).
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

# Both parts run at once: the serial tests mostly wait (on Chromium, a server, threads), so
# they fit beside the workers. Their output follows the workers'. pytest's exit status 5 means
# "no tests collected" (say, a path without serial tests): fine.
suite() {
  local log status=0 serial_status=0 serial_pid
  log="$(mktemp)"
  WALLET_TEST_SQLITE_FILE="$(pwd)/.test-serial.sqlite3" \
    $PY -m pytest -p no:xdist -m serial "$@" >"$log" 2>&1 &
  serial_pid=$!
  trap 'kill "$serial_pid" 2>/dev/null; rm -f "$log"; exit 130' INT TERM
  # Every test under tests/browser and tests/sdk is serial: not importing them saves each
  # worker the seconds Commerce Layer's generated client takes to import.
  $PY -m pytest "${PARALLEL[@]}" -m "not serial" --ignore=tests/browser --ignore=tests/sdk "$@" \
    || status=$?
  wait "$serial_pid" || serial_status=$?
  trap - INT TERM
  echo "-- the serial tests (a live server, a browser, racing threads), in one process:"
  cat "$log"
  rm -f "$log"
  for code in "$status" "$serial_status"; do
    [ "$code" -eq 0 ] || [ "$code" -eq 5 ] || return "$code"
  done
}

echo "== suite on SQLite"
DATABASE_URL="sqlite:///$(pwd)/.test-db.sqlite3" suite "$@"

url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if $PY - "$url" <<'PYEOF'
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
  echo "== suite on PostgreSQL"
  # The browser tests check the same pages as on SQLite; their screenshots come from that run.
  DATABASE_URL="$url" WALLET_TEST_SCREENSHOTS=0 suite "$@"
fi

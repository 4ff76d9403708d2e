#!/usr/bin/env bash
# Runs the suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "== suite on SQLite"
DATABASE_URL="sqlite:///$(pwd)/.test-db.sqlite3" $PY -m pytest "$@"

url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if $PY - "$url" <<'PYEOF'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL at {sys.argv[1]} is not reachable ({exc.__class__.__name__}); skipping that run.")
    sys.exit(1)
PYEOF
then
  echo "== suite on PostgreSQL"
  DATABASE_URL="$url" $PY -m pytest "$@"
fi

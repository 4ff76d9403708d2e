"""``make bench``: time the wallet against hand-written baselines, in one process.

Usage: ``python -m benchmarks [--runs N] [--scale] [--http]``.

- The default cases run on the database of ``DATABASE_URL`` (a fresh test database is created
  and destroyed). Each case is warmed up, then the candidate and its baseline are timed in
  alternation; the table prints medians and their ratio.
- ``--scale`` (PostgreSQL only) repeats the list and retrieve cases with 10 thousand and with
  1 million payment sources generated in bulk (``--rows`` another size), then times every
  whitelisted filter, sort and a deep page of each bulk type against its plain list
  (``--scale-runs`` rounds each) and prints each query's plan type.
- ``--http`` serves the demo with gunicorn (several workers, loopback) and loads the customer
  wallet list and its baseline with wrk for a bounded time, printing requests/s and p99.
"""

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def main() -> int:
    """Parse the options, build the data, run the cases and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="timed runs per case (default 300)")
    parser.add_argument("--scale", action="store_true", help="10k vs 1M rows (PostgreSQL)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="saved cards of --scale")
    parser.add_argument(
        "--scale-runs", type=int, default=10, help="timed rounds per --scale filter (default 10)"
    )
    parser.add_argument(
        "--no-filters", action="store_true", help="--scale without the filter and sort table"
    )
    parser.add_argument("--http", action="store_true", help="gunicorn + wrk through loopback")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per wrk run")
    options = parser.parse_args()

    import django

    django.setup()
    from benchmarks import runner

    return runner.run(options)


if __name__ == "__main__":
    sys.exit(main())

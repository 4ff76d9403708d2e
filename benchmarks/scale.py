"""Latency at 10 thousand and at 1 million payment sources (PostgreSQL), with query plans.

Rows are generated in bulk by ``INSERT … SELECT generate_series`` (seconds, not hours), older
than the fixture's rows, spread over 50 thousand customers. The cases are the list and retrieve
cases of the in-process table plus the customer-scoped wallet list; the goal is a latency at
1 million within 1.5 times the latency at 10 thousand.
"""

from typing import Any

from django.db import connection

from benchmarks.runner import Fixture, print_table, time_pair

BULK_CUSTOMERS = 50_000
STEPS = (10_000, 1_000_000)

CUSTOMERS_SQL = """
INSERT INTO wallet_customer (id, mode, reference, reference_origin, metadata, created_at,
                             updated_at, email, user_id, status)
SELECT 'c' || lpad(to_hex(g), 9, '0'), 'test', '', '', '{}'::jsonb,
       now() - interval '30 days', now() - interval '30 days',
       'bulk' || g || '@example.com', NULL, 'prospect'
FROM generate_series(1, %s) AS g
"""

SOURCES_SQL = """
INSERT INTO wallet_customerpaymentsource (id, mode, reference, reference_origin, metadata,
    created_at, updated_at, customer_id, payment_source_id, customer_token,
    payment_source_token, is_default, payment_instrument, fingerprint, last_used_at)
SELECT 's' || lpad(to_hex(g), 9, '0'), 'test', '', '', '{}'::jsonb,
       now() - interval '2 days' - g * interval '1 second',
       now() - interval '2 days' - g * interval '1 second',
       'c' || lpad(to_hex(1 + g %% %s), 9, '0'), NULL, '',
       'tok_test_visa_' || lpad((g %% 10000)::text, 4, '0') || '_1230', false,
       jsonb_build_object('issuer_type', 'card', 'card_type', 'visa',
                          'card_last_digits', lpad((g %% 10000)::text, 4, '0'),
                          'card_expiry_month', '12', 'card_expiry_year', '2030'),
       '', NULL
FROM generate_series(%s, %s) AS g
"""


def _grow_to(total: int, current: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(SOURCES_SQL, [BULK_CUSTOMERS, current + 1, total])
        # Vacuumed now, so autovacuum does not wake up in the middle of the measurements.
        cursor.execute("VACUUM ANALYZE wallet_customerpaymentsource")


def _plans(fx: Fixture) -> None:
    queries = {
        "integration count, as the API reads it (trigger-kept)": (
            "SELECT SUM(count) FROM wallet_recordcount "
            "WHERE table_name = 'wallet_customerpaymentsource' AND mode = 'test'",
            [],
        ),
        "integration count, were it a COUNT(*)": (
            "SELECT COUNT(*) FROM wallet_customerpaymentsource WHERE mode = 'test'",
            [],
        ),
        "customer count": (
            "SELECT COUNT(*) FROM wallet_customerpaymentsource "
            "WHERE mode = 'test' AND customer_id = %s",
            [fx.customer.pk],
        ),
        "integration page": (
            "SELECT id FROM wallet_customerpaymentsource WHERE mode = 'test' "
            "ORDER BY created_at DESC, id DESC LIMIT 25",
            [],
        ),
    }
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            print(f"  plan of the {name}:")
            for line in lines:
                print(f"    {line}")


def run(fx: Fixture, runs: int) -> bool:
    """Measure the cases at each size; print their latencies and the 1M/10k ratios."""
    if connection.vendor != "postgresql":
        print("\n--scale needs PostgreSQL (DATABASE_URL=postgres://…); skipped.")
        return True
    list_path = "/api/customer_payment_sources?include=payment_source&page[size]=25"
    wallet_path = "/api/customer_payment_sources?page[size]=25"
    retrieve_path = f"/api/external_payments/{fx.payment.pk}?include=order,wallet"
    cases: dict[str, tuple[str, str]] = {
        "list 25 customer_payment_sources (integration)": (list_path, fx.integration_token),
        "customer wallet list (customer token)": (wallet_path, fx.customer_token),
        "retrieve external_payments (integration)": (retrieve_path, fx.integration_token),
    }
    with connection.cursor() as cursor:
        cursor.execute(CUSTOMERS_SQL, [BULK_CUSTOMERS])
    latencies: dict[int, dict[str, float]] = {}
    current = 0
    for total in STEPS:
        _grow_to(total, current)
        current = total
        print(f"\n{total:,} bulk payment sources:")
        _plans(fx)
        latencies[total] = {}
        for name, (path, token) in cases.items():
            ms, _ = time_pair(lambda p=path, t=token: fx.get(p, t), lambda: None, runs // 2)
            latencies[total][name] = ms
    small, large = STEPS
    rows: list[tuple[str, float, float, str, float]] = [
        (name, latencies[large][name], latencies[small][name], "n/a", 1.5) for name in cases
    ]
    return print_table(
        f"Scale: latency at {large:,} (ours ms) against {small:,} (base ms) sources", rows
    )


def describe(_: Any = None) -> str:
    """The sizes measured."""
    return " and ".join(f"{n:,}" for n in STEPS)

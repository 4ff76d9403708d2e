"""Latency at scale (PostgreSQL): every whitelisted filter and sort against the plain list.

Rows are generated in bulk by ``INSERT … SELECT generate_series``, each table's indexes built
after its insert (minutes, not hours), older than the fixture's rows: many customers with
references and metadata, orders and external payments, and saved cards (references, reference
origins, metadata, tokens, brands and last digits, linked payments). Two tables come out of one run:

- the list and retrieve cases at 10 thousand and at the full size (the flatness of the plain
  list and of a customer's wallet);
- at the full size, every whitelisted filter (one or more predicates per attribute, values
  taken from a real row in the middle of the table) and every sort key of each resource type,
  and a deep page, each timed against the plain list of its type, with the plan type of each
  query the API ran (the page and the count): the very SQL and ORDER BY of the API, EXPLAINed.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.runner import Fixture, print_table, time_pair

STEPS = (10_000, 1_000_000)
TEXT_PREDICATES = ("eq", "cont", "start", "end", "matches")

CUSTOMERS_SQL = """
INSERT INTO wallet_customer (id, mode, reference, reference_origin, metadata, created_at,
                             updated_at, email, user_id, user_created_by_wallet, status)
SELECT 'c' || lpad(to_hex(g), 9, '0'), 'test', 'CRM-' || lpad(g::text, 8, '0'),
       (ARRAY['shop', 'import', 'crm'])[1 + g %% 3],
       jsonb_build_object('segment', 'seg' || (g %% 50),
                          'tier', (ARRAY['gold', 'silver'])[1 + g %% 2]),
       now() - interval '30 days' - g * interval '1 minute',
       now() - interval '30 days' - g * interval '1 minute',
       'bulk' || g || '@example.com', NULL, false,
       (ARRAY['prospect', 'acquired', 'repeat'])[1 + g %% 3]
FROM generate_series(1, %s) AS g
"""

ORDERS_SQL = """
INSERT INTO wallet_order (id, mode, reference, reference_origin, metadata, created_at,
    updated_at, number, customer_id, payment_gateway_id, payment_method_id, payment_source_id,
    customer_email, status, payment_status, currency_code, total_amount_cents, placed_at)
SELECT 'o' || lpad(to_hex(g), 9, '0'), 'test', 'ORD-' || lpad(g::text, 8, '0'),
       (ARRAY['shop', 'pos', 'marketplace'])[1 + g %% 3],
       jsonb_build_object('channel', 'ch' || (g %% 20)),
       now() - interval '10 days' - g * interval '1 second',
       now() - interval '10 days' - g * interval '1 second',
       'B' || lpad(g::text, 9, '0'), 'c' || lpad(to_hex(1 + g %% %s), 9, '0'), NULL, NULL, NULL,
       'bulk' || (1 + g %% %s) || '@example.com',
       (ARRAY['placed', 'approved', 'draft', 'cancelled'])[1 + g %% 4],
       (ARRAY['paid', 'authorized', 'unpaid', 'refunded'])[1 + g %% 4],
       (ARRAY['EUR', 'USD', 'GBP'])[1 + g %% 3], 1000 + g %% 50000,
       now() - interval '10 days' - g * interval '1 second'
FROM generate_series(1, %s) AS g
"""

PAYMENTS_SQL = """
INSERT INTO wallet_externalpayment (id, mode, reference, reference_origin, metadata,
    created_at, updated_at, order_id, payment_gateway_id, saved_source_id, payment_source_token,
    options, payment_instrument)
SELECT 'p' || lpad(to_hex(g), 9, '0'), 'test', 'PAY-' || lpad(g::text, 8, '0'), 'gateway',
       '{}'::jsonb, now() - interval '10 days' - g * interval '1 second',
       now() - interval '10 days' - g * interval '1 second',
       'o' || lpad(to_hex(g), 9, '0'), NULL, NULL,
       'tok_pay_' || md5(g::text), '{}'::jsonb,
       jsonb_build_object('issuer_type', 'card', 'card_type', 'visa',
                          'card_last_digits', lpad((g %% 10000)::text, 4, '0'))
FROM generate_series(1, %s) AS g
"""

# ``{extra_columns}``/``{extra_values}``: the card columns, where the schema has them.
SOURCES_SQL = """
INSERT INTO wallet_customerpaymentsource (id, mode, reference, reference_origin, metadata,
    created_at, updated_at, customer_id, payment_id, customer_token,
    payment_source_token, is_default, payment_instrument, fingerprint, last_used_at,
    nickname, removed_at{extra_columns})
SELECT 's' || lpad(to_hex(g), 9, '0'), 'test', 'SRC-' || lpad(g::text, 10, '0'),
       (ARRAY['storefront', 'import', 'api'])[1 + g %% 3],
       jsonb_build_object('campaign', 'c' || lpad((g %% 1000)::text, 4, '0'),
                          'channel', (ARRAY['web', 'app', 'pos', 'phone', 'mail'])[1 + g %% 5]),
       now() - interval '2 days' - g * interval '1 second',
       now() - interval '2 days' - g * interval '1 second',
       'c' || lpad(to_hex(1 + g %% %s), 9, '0'),
       CASE WHEN g %% 5 = 0 AND g / 5 <= %s THEN 'p' || lpad(to_hex(g / 5), 9, '0') END, '',
       'tok_src_' || md5(g::text), g <= %s,
       jsonb_build_object('issuer_type', 'card',
                          'card_type',
                          (ARRAY['visa', 'mastercard', 'amex', 'discover'])[1 + g %% 4],
                          'card_last_digits', lpad((g %% 10000)::text, 4, '0'),
                          'card_expiry_month', '12', 'card_expiry_year', '2030'),
       '', NULL, '', NULL{extra_values}
FROM generate_series(%s, %s) AS g
"""
CARD_COLUMNS = {
    "card_last_digits": "lpad((g %% 10000)::text, 4, '0')",
    "card_brand": "(ARRAY['visa', 'mastercard', 'amex', 'discover'])[1 + g %% 4]",
    "name": "'XXXX-XXXX-XXXX-' || lpad((g %% 10000)::text, 4, '0')",
}


class Sizes:
    """How many rows of each table a run generates for ``sources`` saved cards."""

    def __init__(self, sources: int) -> None:
        self.sources = sources
        self.customers = max(1_000, sources // 20)
        self.orders = max(1_000, sources // 5)


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


@contextmanager
def _indexes_built_after(table: str) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for a bulk insert and build them again after it.

    One sorted build of each index is many times faster than keeping a dozen trigram and
    pattern indexes up row by row. Primary keys and constraints' indexes stay.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [table],
        )
        indexes = cursor.fetchall()
        # Statistics targets set on an index's columns (migration 0020) go with the index.
        cursor.execute(
            """SELECT a.attrelid::regclass::text, a.attnum, a.attstattarget
               FROM pg_attribute a JOIN pg_index i ON i.indexrelid = a.attrelid
               WHERE i.indrelid = %s::regclass AND a.attstattarget > 0""",
            [table],
        )
        targets = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, column, target in targets:
                cursor.execute(f"ALTER INDEX {name} ALTER COLUMN {column} SET STATISTICS {target}")
            cursor.execute("RESET maintenance_work_mem")


def _grow_sources(sizes: Sizes, total: int, current: int) -> None:
    table = "wallet_customerpaymentsource"
    present = [name for name in CARD_COLUMNS if name in _columns(table)]
    sql = SOURCES_SQL.format(
        extra_columns="".join(f", {name}" for name in present),
        extra_values="".join(f", {CARD_COLUMNS[name]}" for name in present),
    )
    with _indexes_built_after(table), connection.cursor() as cursor:
        # One statement per 250k rows keeps the transition tables of the count triggers small.
        start = current + 1
        while start <= total:
            end = min(total, start + 249_999)
            cursor.execute(sql, [sizes.customers, sizes.orders, sizes.customers, start, end])
            start = end + 1
    with connection.cursor() as cursor:
        # Vacuumed now, so autovacuum does not wake up in the middle of the measurements.
        cursor.execute(f"VACUUM ANALYZE {table}")


def _load_others(sizes: Sizes) -> None:
    loads = [
        ("wallet_customer", CUSTOMERS_SQL, [sizes.customers]),
        ("wallet_order", ORDERS_SQL, [sizes.customers, sizes.customers, sizes.orders]),
        ("wallet_externalpayment", PAYMENTS_SQL, [sizes.orders]),
    ]
    for table, sql, params in loads:
        with _indexes_built_after(table), connection.cursor() as cursor:
            cursor.execute(sql, params)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- plans ----------------------------------------------------------------------------------


def _scan_nodes(plan: dict[str, Any]) -> Iterator[str]:
    node = plan["Node Type"]
    if "Scan" in node:
        target = plan.get("Index Name") or plan.get("Relation Name") or ""
        yield f"{node} {target}".strip()
    for child in plan.get("Plans", ()):
        yield from _scan_nodes(child)


def plan_of(sql: str) -> str:
    """The scan nodes of a query's plan, like ``Index Scan wallet_cps_mode_created``."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes = list(dict.fromkeys(_scan_nodes(plan[0]["Plan"])))
    return "; ".join(nodes) or plan[0]["Plan"]["Node Type"]


def _plans_of_request(fx: Fixture, path: str, token: str, table: str) -> tuple[str, str]:
    """The plan types of the page query and of the count query a request runs."""
    with CaptureQueriesContext(connection) as captured:
        fx.get(path, token)
    page = count = ""
    for query in captured.captured_queries:
        sql = query["sql"]
        if f'FROM "{table}"' not in sql and f'FROM (SELECT "{table}"' not in sql:
            continue
        if "COUNT(" in sql.upper():
            count = count or plan_of(sql)
        elif "LIMIT" in sql and not page:
            page = plan_of(sql)
    return page, count


BULK_TABLES = (
    "wallet_customerpaymentsource",
    "wallet_customer",
    "wallet_order",
    "wallet_externalpayment",
)


def _seq_scan(plan: str) -> bool:
    """Whether a plan reads one of the large tables whole (a lookup table of a few rows, such as
    the gateways an order joins, is read whole by any sensible plan)."""
    return any(f"Seq Scan {table}" in node for node in plan.split("; ") for table in BULK_TABLES)


# --- cases ----------------------------------------------------------------------------------


def _sample(resource: Any, scope: Any, paths: list[str]) -> dict[str, Any]:
    """The values of a row in the middle of the type's table (``created_at`` order)."""
    queryset = resource.queryset(scope).order_by("-created_at", "pk")
    total = queryset.count()
    row = queryset[total // 2 : total // 2 + 1].values(*paths)
    return next(iter(row), {})


def _text_value(predicate: str, value: str) -> str | None:
    if len(value) < 6:
        return value if predicate == "eq" else None
    if predicate == "eq":
        return value
    if predicate == "cont":
        return value[len(value) // 2 - 3 : len(value) // 2 + 3]
    if predicate == "start":
        return value[:-2]
    if predicate == "end":
        return value[-6:]
    # matches: the first and last three characters, so the pattern matches its own row even
    # when the value has six characters (``imp%port`` would not match ``import``).
    return value[:3] + "%" + value[-3:]


def filter_cases(resource: Any, scope: Any) -> list[tuple[str, str]]:
    """(label, query string) for each whitelisted filter and sort key of ``resource``."""
    try:
        from wallet.api.filters.fields import resolve_target
    except ImportError:  # before the filters became a package
        from wallet.api.query import resolve_target  # type: ignore[no-redef]

    spec = resource.filters
    queryset = resource.queryset(scope)
    paths = {name: path for name, path in spec.fields.items()}
    sample = _sample(resource, scope, sorted(set(paths.values())))
    cases: list[tuple[str, str]] = []
    for name, path in sorted(paths.items()):
        kind = resolve_target(queryset, path).kind
        value = sample.get(path)
        if value is None:
            continue
        if kind == "text":
            for predicate in TEXT_PREDICATES:
                operand = _text_value(predicate, str(value))
                if operand:
                    key = f"{name}_{predicate}"
                    # Quoted: a ``%`` of a ``_matches`` pattern is not a URL escape.
                    cases.append((key, f"filter[q][{key}]={quote(operand, safe='')}"))
        elif kind == "bool":
            cases.append((f"{name}_true", f"filter[q][{name}_true]=true"))
        elif kind == "datetime":
            stamp = value.isoformat()
            cases.append((f"{name}_gt (half)", f"filter[q][{name}_gt]={quote(stamp)}"))
            cases.append((f"{name}_gt=2000 (all)", f"filter[q][{name}_gt]=2000-01-01"))
        elif kind in ("int", "decimal"):
            cases.append((f"{name}_eq", f"filter[q][{name}_eq]={value}"))
            cases.append((f"{name}_gteq (half)", f"filter[q][{name}_gteq]={value}"))
    for name in sorted(spec.json_fields):
        row = resource.queryset(scope).order_by("-created_at").values_list(name, flat=True)[:1]
        document = next(iter(row), None) or {}
        if document:
            key = sorted(document)[0]
            operand = quote(json.dumps({key: document[key]}))
            cases.append((f"{name}_jcont", f"filter[q][{name}_jcont]={operand}"))
    for key in sorted(spec.sortable):
        cases.append((f"sort={key}", f"sort={key}"))
        cases.append((f"sort=-{key}", f"sort=-{key}"))
    return cases


def _deep_page(fx: Fixture, type_name: str, total: int) -> tuple[str, str]:
    """The query string of the last page: a page number, or the cursor where numbers stop."""
    last = max(1, total // 25)
    path = f"/api/{type_name}?page[size]=25&page[number]={last}"
    response = fx.client.get(
        path,
        HTTP_ACCEPT="application/vnd.api+json",
        HTTP_AUTHORIZATION=f"Bearer {fx.integration_token}",
    )
    if response.status_code == 200:
        return f"deep page (page[number]={last})", f"page[number]={last}"
    from wallet.api import pagination

    # Page numbers stop early: the same page through the cursor of the row before it.
    model = fx.resource(type_name).model
    anchor = (
        model.objects.filter(mode="test")
        .order_by("created_at", "pk")
        .values_list("created_at", "pk")[24:25]
    )
    created_at, pk = next(iter(anchor))
    cursor = pagination.encode_cursor(["-created_at", "pk"], [created_at, pk])
    return "deep page (page[after], last page)", f"page[after]={quote(cursor)}"


def _status(path: str, token: str) -> int:
    """The status of a GET, a server error included (as a status, not an exception)."""
    client = Client(raise_request_exception=False)
    response = client.get(
        path, HTTP_ACCEPT="application/vnd.api+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    return response.status_code


def scale_filters(fx: Fixture, runs: int, sizes: Sizes) -> bool:
    """Time every filter and sort of each bulk type against its plain list; print plans."""
    from wallet.selectors import Scope

    scope = Scope(mode="test")
    targets = {
        "customer_payment_sources": (sizes.sources, "wallet_customerpaymentsource"),
        "customers": (sizes.customers, "wallet_customer"),
        "orders": (sizes.orders, "wallet_order"),
        "external_payments": (sizes.orders, "wallet_externalpayment"),
    }
    ok = True
    for type_name, (total, table) in targets.items():
        resource = fx.resource(type_name)
        plain = f"/api/{type_name}?page[size]=25"
        rows: list[tuple[str, float, float, str, float]] = []
        plain_plans = _plans_of_request(fx, plain, fx.integration_token, table)
        plans: list[tuple[str, str, str]] = [("plain list", *plain_plans)]
        cases = filter_cases(resource, scope)
        cases.append(_deep_page(fx, type_name, total))
        for label, query in cases:
            path = f"{plain}&{query}"
            status = _status(path, fx.integration_token)
            if status != 200:
                print(f"  {type_name} {label}: answered {status}, not timed")
                ok &= status < 500
                continue
            page_plan, count_plan = _plans_of_request(fx, path, fx.integration_token, table)
            plans.append((label, page_plan, count_plan))
            ours, base = time_pair(
                lambda p=path: fx.get(p, fx.integration_token),
                lambda b=plain: fx.get(b, fx.integration_token),
                runs,
                warmup=2,
            )
            scan = "SEQ SCAN" if _seq_scan(page_plan) or _seq_scan(count_plan) else "index"
            rows.append((label, ours, base, scan, 2.0))
        ok &= print_table(
            f"Scale: {type_name} at {total:,} rows, each filter/sort (ours ms) against the "
            "plain list (base ms); doc = plan",
            rows,
        )
        print(f"  plans of {type_name} (page query | count query):")
        for label, page_plan, count_plan in plans:
            print(f"    {label:<34} {page_plan or '-'} | {count_plan or '-'}")
        ok &= not any(_seq_scan(p) or _seq_scan(c) for _, p, c in plans)
    return ok


def write_cost(sizes: Sizes, rows: int = 1_000) -> float:
    """Milliseconds per saved card inserted one statement at a time (all indexes kept up)."""
    present = [name for name in CARD_COLUMNS if name in _columns("wallet_customerpaymentsource")]
    sql = SOURCES_SQL.format(
        extra_columns="".join(f", {name}" for name in present),
        extra_values="".join(f", {CARD_COLUMNS[name]}" for name in present),
    )
    first = sizes.sources + 1_000_000
    with connection.cursor() as cursor:
        start = time.perf_counter()
        for g in range(first, first + rows):
            cursor.execute(sql, [sizes.customers, 0, 0, g, g])
        elapsed = time.perf_counter() - start
        cursor.execute(
            "DELETE FROM wallet_customerpaymentsource WHERE id BETWEEN %s AND %s",
            ["s" + format(g, "x").rjust(9, "0") for g in (first, first + rows)],
        )
    return elapsed / rows * 1000


def run(fx: Fixture, runs: int, total: int = STEPS[-1], *, filters: bool = True) -> bool:
    """Measure the cases at each size; print their latencies, ratios and plans."""
    if connection.vendor != "postgresql":
        print("\n--scale needs PostgreSQL (DATABASE_URL=postgres://…); skipped.")
        return True
    sizes = Sizes(total)
    steps = tuple(sorted({min(STEPS[0], total), total}))
    list_path = "/api/customer_payment_sources?include=payment_source&page[size]=25"
    wallet_path = "/api/customer_payment_sources?page[size]=25"
    retrieve_path = f"/api/external_payments/{fx.payment.pk}?include=order,wallet"
    cases: dict[str, tuple[str, str]] = {
        "list 25 customer_payment_sources (integration)": (list_path, fx.integration_token),
        "customer wallet list (customer token)": (wallet_path, fx.customer_token),
        "retrieve external_payments (integration)": (retrieve_path, fx.integration_token),
    }
    _load_others(sizes)
    latencies: dict[int, dict[str, float]] = {}
    current = 0
    for step in steps:
        _grow_sources(sizes, step, current)
        current = step
        print(f"\n{step:,} bulk payment sources loaded")
        latencies[step] = {}
        for name, (path, token) in cases.items():
            ms, _ = time_pair(lambda p=path, t=token: fx.get(p, t), lambda: None, max(10, runs))
            latencies[step][name] = ms
    small, large = steps[0], steps[-1]
    rows: list[tuple[str, float, float, str, float]] = [
        (name, latencies[large][name], latencies[small][name], "n/a", 1.5) for name in cases
    ]
    ok = print_table(
        f"Scale: latency at {large:,} (ours ms) against {small:,} (base ms) sources", rows
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index "
            "WHERE indrelid = 'wallet_customerpaymentsource'::regclass"
        )
        count, size = cursor.fetchone()
    print(
        f"\nWrite cost: {write_cost(sizes):.3f} ms per saved card inserted alone, "
        f"{count} indexes on the table ({size})"
    )
    return (scale_filters(fx, runs, sizes) if filters else True) and ok


def describe(_: Any = None) -> str:
    """The sizes measured."""
    return " and ".join(f"{n:,}" for n in STEPS)


__all__ = ["describe", "filter_cases", "plan_of", "run", "scale_filters"]

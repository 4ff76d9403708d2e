"""Every whitelisted filter and sort of the big lists is served by an index.

The API's own queries are captured and EXPLAINed over a few thousand bulk rows (statistics
gathered): on PostgreSQL each filter's page and count query must have an index condition on
the filtered column (trigram, pattern, JSON or btree index), and each sort's page query must
read an index in order (no Sort node). On SQLite the equality filters and sorts use the
``(mode, column, id)`` btrees.
"""

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.tokens import mint_token
from wallet.api import pagination
from wallet.oauth import create_credential

pytestmark = pytest.mark.django_db
ROWS = 6000
# Two cards a customer, as in a large shop: filtering by a customer picks a few rows.
CUSTOMERS = 3000
TABLE = "wallet_customerpaymentsource"


def _pad(expression: str, width: int) -> str:
    """SQL left-padding ``expression`` with zeros to ``width`` characters."""
    if connection.vendor == "postgresql":
        return f"lpad(({expression})::text, {width}, '0')"
    return f"substr('{'0' * width}' || ({expression}), -{width}, {width})"


def _series(count: int) -> str:
    """A ``FROM`` clause of the integers 1..count as ``g``."""
    if connection.vendor == "postgresql":
        return f"FROM generate_series(1, {count}) AS g"
    return (
        "FROM (WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
        f"WHERE g < {count}) SELECT g FROM s)"
    )


def bulk_sql() -> tuple[str, str]:
    """The INSERTs of ``CUSTOMERS`` customers and ``ROWS`` saved cards (a second apart on
    PostgreSQL)."""
    created = "%s"
    metadata = """'{"campaign": "c' || (g %% 500) || '"}'"""
    if connection.vendor == "postgresql":
        created = "(%s::timestamptz - g * interval '1 second')"
        metadata = f"({metadata})::jsonb"
    customers = f"""
INSERT INTO wallet_customer (id, mode, reference, reference_origin, metadata, created_at,
                             updated_at, email, user_id, user_created_by_wallet, status)
SELECT 'c' || {_pad("g", 9)}, 'test', '', '', '{{}}', %s, %s,
       'bulk' || g || '@example.com', NULL, false, 'prospect'
{_series(CUSTOMERS)}
"""
    sources = f"""
INSERT INTO {TABLE} (id, mode, reference, reference_origin, metadata,
    created_at, updated_at, customer_id, payment_id, customer_token,
    payment_source_token, is_default, payment_instrument, fingerprint, last_used_at,
    nickname, removed_at, card_brand, card_last_digits, name)
SELECT 's' || {_pad("g", 9)}, 'test', 'SRC-' || {_pad("g", 10)},
       CASE g %% 3 WHEN 0 THEN 'storefront' WHEN 1 THEN 'import' ELSE 'api' END,
       {metadata}, {created}, {created}, 'c' || {_pad(f"1 + g %% {CUSTOMERS}", 9)}, NULL, '',
       'tok_src_' || g, g <= {CUSTOMERS}, '{{}}', '', NULL, '', NULL,
       'visa', {_pad("g %% 3000", 4)}, 'XXXX-XXXX-XXXX-' || {_pad("g %% 3000", 4)}
{_series(ROWS)}
"""
    return customers, sources


@pytest.fixture(scope="module")
def bulk_rows(django_db_setup, django_db_blocker):
    """Thousands of saved cards written once for the module, committed, with fresh planner
    statistics; deleted after the module.

    Written per test, each rollback would leave 6,000 dead rows behind: seconds apiece, and a
    table whose growing page count changes the plans from test to test.
    """
    stamp = "2024-01-01 00:00:00+00:00"
    customers, sources = bulk_sql()
    with django_db_blocker.unblock():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(customers, [stamp, stamp])
            cursor.execute(sources, [stamp, stamp])
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
        try:
            yield
        finally:
            with transaction.atomic(), connection.cursor() as cursor:
                bulk_customers = (
                    "SELECT id FROM wallet_customer WHERE email LIKE 'bulk%%@example.com'"
                )
                cursor.execute(f"DELETE FROM {TABLE} WHERE customer_id IN ({bulk_customers})")
                cursor.execute(f"DELETE FROM wallet_customer WHERE id IN ({bulk_customers})")
            with connection.cursor() as cursor:
                # Statistics of the empty tables again: the next module's planner must not
                # expect thousands of matches (a filtered list would go uncounted).
                cursor.execute(f"ANALYZE {TABLE}")
                cursor.execute("ANALYZE wallet_customer")


@pytest.fixture
def bulk(bulk_rows, db):
    """The module's bulk rows, inside the test's transaction."""


@pytest.fixture
def client(db) -> Client:
    """An integration's bearer token on a test client."""
    credential, _ = create_credential(name="scale", kind="integration", mode="test")
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {mint_token(credential)}"
    client.defaults["HTTP_ACCEPT"] = "application/vnd.api+json"
    return client


def api_queries(client: Client, query: str, size: int = 10) -> list[str]:
    """The SQL of the page and count queries of ``GET /api/customer_payment_sources?query``."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/customer_payment_sources?page[size]={size}&{query}")
    assert response.status_code == 200, response.content[:300]
    return [
        q["sql"]
        for q in captured.captured_queries
        if f'FROM "{TABLE}"' in q["sql"] and ("LIMIT" in q["sql"] or "COUNT(" in q["sql"])
    ]


def pg_plan(sql: str) -> dict[str, Any]:
    """The JSON plan of ``sql`` (PostgreSQL), sequential scans discouraged.

    A few thousand rows fit in a few pages, where reading them all is the cheapest plan: with
    sequential scans off, the planner shows the index path a large table takes (and a column
    without a usable index still shows no index condition on it).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a plan."""
    found = [plan]
    for child in plan.get("Plans", ()):
        found += nodes(child)
    return found


def index_conditions(plan: dict[str, Any]) -> str:
    """The index and recheck conditions of a plan, joined."""
    return " ".join(
        str(node.get(key, "")) for node in nodes(plan) for key in ("Index Cond", "Recheck Cond")
    )


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")

FILTERS = [
    ("filter[q][reference_eq]=SRC-0000004321", "reference"),
    ("filter[q][reference_cont]=0004321", "reference"),
    # Ten rows, none of them a bound of the statistics' histogram (every 60th reference here):
    # a prefix on a bound is estimated at 60 rows, and walking the list's index to find ten of
    # sixty looks cheaper on a small table than it is on a large one.
    ("filter[q][reference_start]=SRC-000000433", "reference"),
    ("filter[q][reference_end]=004321", "reference"),
    ("filter[q][reference_matches]=" + quote("SRC-%4321"), "reference"),
    ("filter[q][payment_source_token_eq]=tok_src_4321", "payment_source_token"),
    ("filter[q][payment_source_token_cont]=src_4321", "payment_source_token"),
    ("filter[q][payment_source_token_start]=tok_src_4321", "payment_source_token"),
    ("filter[q][name_cont]=2345", "name"),
    ("filter[q][name_end]=2345", "name"),
    ("filter[q][name_eq]=XXXX-XXXX-XXXX-2345", "name"),
    ("filter[q][metadata_jcont]=" + quote('{"campaign": "c42"}'), "metadata"),
    # Ids take the text predicates too (migration 0017), and ``_matches`` is ``UPPER(col) LIKE``
    # served by the same indexes as ``_cont`` on every text column.
    ("filter[q][id_cont]=004321", "(id)"),
    ("filter[q][id_end]=04321", "(id)"),
    ("filter[q][id_matches]=" + quote("s%4321"), "(id)"),
    ("filter[q][customer_id_cont]=000042", "customer_id"),
    ("filter[q][customer_id_start]=c000000042", "customer_id"),
    ("filter[q][customer_id_end]=00042", "customer_id"),
    ("filter[q][customer_id_matches]=" + quote("%00042"), "customer_id"),
    ("filter[q][name_matches]=" + quote("XXXX%2345"), "name"),
    ("filter[q][payment_source_token_matches]=" + quote("tok%_4321"), "payment_source_token"),
    # ``_start`` on any text column is a range of the prefix btree (migration 0018 adds the one
    # of ``reference_origin``).
    ("filter[q][name_start]=XXXX-XXXX-XXXX-23", "name"),
    ("filter[q][reference_origin_start]=impo", "reference_origin"),
]
# Filters a third of the rows match: the page walks the list's own index (no sort).
BROAD = [
    "filter[q][reference_origin_cont]=stor",
    "filter[q][reference_origin_eq]=import",
    "filter[q][created_at_gt]=2000-01-01",
]


@postgres_only
@pytest.mark.parametrize("query", BROAD)
def test_a_broad_filter_reads_the_list_index_in_order_without_counting(
    bulk, client, monkeypatch, query
):
    # The thresholds scaled to the table: a third of it is far more than the cap.
    monkeypatch.setattr(pagination, "COUNT_CAP", 100)
    monkeypatch.setattr(pagination, "ESTIMATE_FLOOR", 150)

    queries = api_queries(client, query)

    assert len(queries) == 1 and "COUNT(" not in queries[0]
    plan = pg_plan(queries[0])
    assert "Sort" not in [node["Node Type"] for node in nodes(plan)], plan


@postgres_only
@pytest.mark.parametrize(("query", "column"), FILTERS)
def test_each_filter_reads_an_index_on_its_column(bulk, client, query, column):
    queries = api_queries(client, query)
    count = [sql for sql in queries if "COUNT(" in sql]
    page = [sql for sql in queries if "COUNT(" not in sql]

    # One query counts the matches and picks the page's ids; the page is read by those ids.
    assert len(count) == 1 and len(page) == 1, queries
    assert column in index_conditions(pg_plan(count[0])), (query, count[0])
    assert f'"{TABLE}"."id" IN (' in page[0]
    assert "(id)::text = " in index_conditions(pg_plan(page[0])), (query, page[0])


@postgres_only
@pytest.mark.parametrize(
    "query", ["filter[q][id_start]=s00000432", "filter[q][customer_id_start]=c000000042"]
)
def test_an_id_prefix_reads_the_pattern_index_not_the_trigram_index(bulk, client, query):
    # Ids are alike: the trigram bitmap of a prefix would read most of a large table.
    queries = api_queries(client, query, size=1)
    indexes = {sql: [node.get("Index Name", "") for node in nodes(pg_plan(sql))] for sql in queries}
    count = [names for sql, names in indexes.items() if "COUNT(" in sql]

    assert not [name for names in indexes.values() for name in names if name.endswith("_trgm")]
    assert len(count) == 1 and [name for name in count[0] if name.endswith("_prefix")], indexes


@postgres_only
@pytest.mark.parametrize(
    "query", ["filter[q][name_start]=XXXX-XXXX-XXXX-23", "filter[q][reference_start]=SRC-000000433"]
)
def test_a_prefix_count_reads_the_index_range_without_checking_each_row_again(bulk, client, query):
    # ``^@`` was served by the same range, then checked again on every row found, each
    # recomputing UPPER(col): half the cost of a count of 10,000 matches.
    count = [sql for sql in api_queries(client, query) if "COUNT(" in sql]
    plan = nodes(pg_plan(count[0]))

    assert any(
        "~>=~" in str(n.get("Index Cond")) and "~<~" in str(n.get("Index Cond")) for n in plan
    )
    assert not [n["Filter"] for n in plan if "upper(" in str(n.get("Filter", "")).lower()]


SORTS = [
    "reference",
    "-reference",
    "reference_origin",
    "name",
    "-name",
    "updated_at",
    "-updated_at",
    "default",
    "-created_at",
]


@pytest.mark.parametrize("sort", SORTS)
def test_each_sort_reads_an_index_in_order(bulk, client, sort):
    if sort == "-created_at" and connection.vendor == "sqlite":
        pytest.skip("SQLite cannot finish the (mode, created_at) order by id without a sort")
    page = [sql for sql in api_queries(client, f"sort={sort}") if "LIMIT" in sql]

    assert len(page) == 1
    if connection.vendor == "postgresql":
        plan = pg_plan(page[0])
        kinds = [node["Node Type"] for node in nodes(plan)]
        # An incremental sort only orders ties of the index's order (the id tiebreak).
        assert "Sort" not in kinds, (sort, kinds)
        assert "Seq Scan" not in kinds, (sort, kinds)
    else:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + page[0])
            steps = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert "TEMP B-TREE" not in steps, (sort, steps)


@postgres_only
def test_a_deep_cursor_page_seeks_instead_of_scanning(bulk, client):
    ordering = ["-created_at", "pk"]
    # The cursor of the row 10 before the end: its page is the last one.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT created_at, id FROM {TABLE} ORDER BY created_at ASC, id DESC LIMIT 1 OFFSET 10"
        )
        created_at, pk = cursor.fetchone()
    cursor_value = pagination.encode_cursor(ordering, [created_at, pk])

    queries = api_queries(client, f"page[after]={quote(cursor_value)}")

    assert len(queries) == 1 and "COUNT(" not in queries[0]  # a cursor page does not count
    plan = pg_plan(queries[0])
    assert "created_at" in index_conditions(plan), plan


@postgres_only
@pytest.mark.parametrize("index", ["wallet_cus_email_prefix", "wallet_ord_number_prefix"])
def test_a_column_other_lists_filter_through_a_relation_has_a_prefix_index_without_mode(index):
    # Saved cards filter on their customer's email, payments on their order's number: the mode
    # of those queries is the listed table's, so an index led by ``mode`` would be read whole.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
        definition = cursor.fetchone()[0]

    assert "(upper((" in definition and "text_pattern_ops" in definition
    assert "(mode," not in definition


@postgres_only
@pytest.mark.parametrize(
    ("index", "included"),
    [
        ("wallet_cps_cus_created", "INCLUDE (removed_at, id)"),
        ("wallet_ord_customer_created", "INCLUDE (mode, id)"),
        ("wallet_ep_order_created", "INCLUDE (mode, id)"),
    ],
)
def test_the_indexes_lists_join_through_carry_what_their_counts_read(index, included):
    # A count through the customer (or the order) is then an index-only scan: the cap's
    # matches read no heap page. The models declare these indexes without INCLUDE (other
    # databases have none), so a migration that rebuilds one from its declaration would lose it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
        definition = cursor.fetchone()[0]

    assert definition.endswith(included), definition


@postgres_only
def test_the_prefix_indexes_keep_finer_statistics_of_the_text_the_filters_search():
    # Migration 0020: a histogram of 1,000 values, not 100, so a filter matching 1 % of a
    # million rows is not estimated at 0.01 % (or at twice the truth).
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, a.attstattarget
               FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
               JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relname LIKE 'wallet%%\\_prefix' AND i.indkey[a.attnum - 1] = 0"""
        )
        targets = dict(cursor.fetchall())

    assert len(targets) >= 20
    assert set(targets.values()) == {1000}, targets

"""Through a real server: gunicorn with several workers on loopback, loaded by wrk.

The customer wallet list and its hand-written baseline are each loaded for a bounded time
(``--duration`` seconds, 16 connections); wrk reports requests per second and the p99 latency.
After ``--scale`` (the bulk rows loaded), the integration's plain list of saved cards and two
filtered lists of it (a selective ``reference_cont`` and a broad ``created_at_gt``) are loaded
too, and their throughput compared.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.db import connection

from benchmarks.runner import Fixture

WORKERS = 3
CONNECTIONS = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] or "postgres"
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _wrk(url: str, token: str, duration: int) -> tuple[float, str]:
    output = subprocess.run(  # noqa: S603
        [
            str(shutil.which("wrk")),
            "-t2",
            "--timeout",
            "10s",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Accept: application/vnd.api+json",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    errors = re.search(r"Socket errors: (.*)", output)
    if errors:
        print(f"  wrk reported socket errors on {url}: {errors.group(1)}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} error responses from {url}")
    return rps, p99


def _filtered_urls(base: str) -> list[tuple[str, str]]:
    """The integration's plain list of saved cards and two filtered lists of it."""
    from wallet.models import CustomerPaymentSource

    total = CustomerPaymentSource.objects.filter(mode="test").count()
    reference = (
        CustomerPaymentSource.objects.filter(mode="test")
        .order_by("-created_at", "pk")
        .values_list("reference", flat=True)[total // 2 : total // 2 + 1]
    )
    value = next(iter(reference), "") or "SRC"
    plain = f"{base}/api/customer_payment_sources?page[size]=25"
    return [
        ("plain list", plain),
        ("reference_cont", f"{plain}&filter[q][reference_cont]={value[-7:]}"),
        ("created_at_gt (all)", f"{plain}&filter[q][created_at_gt]=2000-01-01"),
    ]


def run(fx: Fixture, duration: int, *, filtered: bool = False) -> None:
    """Serve the demo with gunicorn and print wrk's figures for ours and the baseline.

    ``filtered``: also load the integration's plain and filtered lists of saved cards.
    """
    if shutil.which("wrk") is None:
        print("\n--http needs wrk (apt-get install wrk); skipped.")
        return
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        print("\n--http needs a database file or PostgreSQL, not in-memory SQLite; skipped.")
        return
    extra = _filtered_urls("") if filtered else []
    connection.close()  # let the workers see committed data only
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "False"}
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "benchmarks.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        _wait_for(port)
        base = f"http://127.0.0.1:{port}"
        path = "customer_payment_sources?page[size]=25"
        results: list[tuple[str, Any, Any]] = []
        for name, url in (("ours", f"{base}/api/{path}"), ("baseline", f"{base}/bench/{path}")):
            _wrk(url, fx.customer_token, 2)  # warm-up
            rps, p99 = _wrk(url, fx.customer_token, duration)
            results.append((name, rps, p99))
        loaded: list[tuple[str, Any, Any]] = []
        for name, path in extra:
            _wrk(base + path, fx.integration_token, 2)
            rps, p99 = _wrk(base + path, fx.integration_token, duration)
            loaded.append((name, rps, p99))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"\nThrough gunicorn ({WORKERS} workers, loopback), wrk {CONNECTIONS} connections, "
        f"{duration}s: customer wallet list (customer token, 20 cards)"
    )
    print(f"{'server':<10} {'requests/s':>11} {'p99':>10}")
    for name, rps, p99 in results:
        print(f"{name:<10} {rps:>11.1f} {p99:>10}")
    if results[0][1]:
        print(f"ratio of throughput (baseline / ours): {results[1][1] / results[0][1]:.2f}")
    if loaded:
        print(f"\nIntegration list of saved cards at scale, wrk {CONNECTIONS} connections:")
        print(f"{'list':<22} {'requests/s':>11} {'p99':>10} {'of plain':>9}")
        for name, rps, p99 in loaded:
            print(f"{name:<22} {rps:>11.1f} {p99:>10} {rps / loaded[0][1]:>8.0%}")

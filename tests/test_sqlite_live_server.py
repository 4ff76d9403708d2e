"""The SQLite default of ``make run`` takes concurrent writers: 201 or 422, never "locked".

A real ``runserver`` (threaded, as ``make run`` starts it) on a fresh SQLite file, with the demo
settings, answers a burst of parallel creates. Without the settings' immediate transactions,
busy timeout and WAL journal, some of them failed with "database is locked" (503).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
JSONAPI = "application/vnd.api+json"

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="about the SQLite default; runs once, on SQLite"
)


def free_port() -> int:
    """A TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py`` with ``env``; its standard output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def live_server_url(tmp_path_factory):
    """``make run``'s server on a fresh SQLite file; yields its URL and an integration token."""
    database = tmp_path_factory.mktemp("live") / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "CACHE_URL": "locmemcache://live",
        "DEBUG": "True",
    }
    manage(env, "migrate", "--noinput")
    created = manage(
        env,
        "shell",
        "-c",
        "from wallet.oauth import create_credential\n"
        "credential, secret = create_credential(name='live', kind='integration', mode='test')\n"
        "print(credential.application.client_id, secret)",
    )
    client_id, secret = created.split()[-2:]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not start"
                assert server.poll() is None, "runserver exited"
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        token_request = urllib.request.Request(
            f"{url}/oauth/token",
            data=json.dumps(
                {
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(token_request, timeout=30) as answer:
            token = json.loads(answer.read())["access_token"]
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=10)


def post(url: str, token: str, path: str, body: dict) -> tuple[int, dict]:
    """POST a JSON:API document; the status and the body."""
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": JSONAPI,
            "Accept": JSONAPI,
            "Authorization": f"Bearer {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_parallel_creates_on_sqlite_answer_created_or_taken(live_server_url):
    url, token = live_server_url
    emails = [f"live{n}@example.com" for n in range(6)] + ["same@example.com"] * 6

    def create(email: str) -> tuple[int, dict]:
        body = {"data": {"type": "customers", "attributes": {"email": email}}}
        return post(url, token, "/api/customers", body)

    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        results = list(pool.map(create, emails))

    statuses = [status for status, _body in results]
    assert set(statuses) <= {201, 422}, [(s, b) for s, b in results if s not in (201, 422)]
    assert statuses[:6] == [201] * 6
    assert sorted(statuses[6:]) == [201] + [422] * 5
    for status, body in results:
        if status == 422:
            assert body["errors"][0]["meta"]["error"] == "taken"

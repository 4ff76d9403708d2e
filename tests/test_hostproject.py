"""The wallet installs into a second shop (tests/hostproject) with its own email-login user model.

Everything runs in subprocesses with that project's settings, on a fresh SQLite database, so
nothing of the demo project (config/, templates/) can help it along.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
HOST_SETTINGS = "tests.hostproject.settings"


@pytest.fixture(scope="module")
def host_env(tmp_path_factory) -> dict[str, str]:
    """Environment for the host project, on its own empty SQLite database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}
    }
    env["DJANGO_SETTINGS_MODULE"] = HOST_SETTINGS
    env["HOSTPROJECT_DATABASE"] = str(tmp_path_factory.mktemp("hostproject") / "db.sqlite3")
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = _run(env, "-m", "django", *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def migrated(host_env) -> dict[str, str]:
    """The host project after ``migrate``."""
    _django(host_env, "migrate", "--noinput")
    return host_env


def test_host_project_passes_the_system_checks(host_env):
    assert "no issues" in _django(host_env, "check").stdout


def test_wallet_migrations_need_nothing_new_with_a_custom_user_model(host_env):
    assert (
        "No changes detected" in _django(host_env, "makemigrations", "--check", "--dry-run").stdout
    )


def test_wallet_migrations_apply_after_the_shops_user_model(migrated):
    shown = _django(migrated, "showmigrations", "accounts", "wallet").stdout
    assert "[X] 0001_initial" in shown
    assert "[ ]" not in shown


def test_services_admin_storefront_and_api_work_in_the_host_project(migrated):
    result = _run(migrated, "-m", "tests.hostproject.smoke")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("SMOKE OK")

"""Project checks: migrations up to date, system checks pass, production settings are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


# Runs manage.py with django-environ's ``.env`` loading switched off, so a developer's own .env
# (say a SECRET_KEY copied from .env.example) cannot change what these tests see.
HERMETIC_MANAGE = """
import runpy, sys
import environ
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _manage(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HERMETIC_MANAGE, str(ROOT / "manage.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """The environment without the suite's settings, on a throwaway SQLite database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    return env


@pytest.mark.database_independent
def test_models_and_migrations_are_in_sync(clean_env):
    result = _manage("makemigrations", "--check", "--dry-run", env=clean_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.database_independent
def test_system_checks_pass(clean_env):
    result = _manage("check", "--fail-level", "WARNING", env=clean_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.database_independent
def test_debug_off_with_the_development_secret_key_is_refused(clean_env):
    env = {**clean_env, "DEBUG": "False"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.database_independent
def test_debug_off_with_a_real_secret_key_starts(clean_env):
    env = {**clean_env, "DEBUG": "False", "SECRET_KEY": "x" * 50 + "-a-real-production-key"}
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_wallet_migrations_use_the_swappable_user_model():
    """The app's migrations follow ``settings.AUTH_USER_MODEL``, never ``auth.User`` itself."""
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.migration import SwappableTuple

    loader = MigrationLoader(None, ignore_no_migrations=True)
    wallet_migrations = [m for key, m in loader.disk_migrations.items() if key[0] == "wallet"]
    assert wallet_migrations
    for migration in wallet_migrations:
        hard_wired = [
            dep
            for dep in migration.dependencies
            if dep[0] == "auth"
            and not (isinstance(dep, SwappableTuple) and dep.setting == settings.AUTH_USER_MODEL)
        ]
        assert not hard_wired, migration.name
    sources = "\n".join(
        path.read_text() for path in (ROOT / "wallet" / "migrations").glob("[0-9]*.py")
    )
    assert "swappable_dependency(settings.AUTH_USER_MODEL)" in sources
    assert "to=settings.AUTH_USER_MODEL" in sources
    assert "'auth.user'" not in sources.lower()
    assert '"auth.user"' not in sources.lower()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_the_wallets_postgresql_connections_do_not_jit_compile_queries():
    # A filter at a million rows is estimated past jit_above_cost: compiling it cost 20-450 ms
    # for a query that runs in a few.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

"""The wheel ships the reusable ``wallet`` app whole, and nothing of the demo project or tests.

The wheel is built from a copy of the source tree (so parallel runs never share a ``build/``
directory), with the build backend installed in the virtual environment (no network).
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(
    ".venv",
    ".git",
    "node_modules",
    "__pycache__",
    "*.pyc",
    "build",
    "dist",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    "artifacts",
    "staticfiles",
    "*.sqlite3",
)
# Files added to the copy only, to prove the package-data globs reach nested folders.
NESTED_PROBES = (
    "wallet/templates/wallet/_packaging_probe/deeper/probe.html",
    "wallet/static/wallet/_packaging_probe/deeper/probe.css",
)


def _source_files(folder: Path) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The file names inside a wheel freshly built from a copy of the source tree."""
    workdir = tmp_path_factory.mktemp("wheel")
    source = workdir / "src"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    for probe in NESTED_PROBES:
        (source / probe).parent.mkdir(parents=True, exist_ok=True)
        (source / probe).write_text("/* probe */\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(workdir / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = (workdir / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_holds_the_app_and_its_first_migration(wheel_names):
    assert "wallet/__init__.py" in wheel_names
    assert "wallet/migrations/__init__.py" in wheel_names
    assert "wallet/migrations/0001_initial.py" in wheel_names


def test_wheel_holds_every_python_module_of_the_app(wheel_names):
    modules = {name for name in _source_files(ROOT / "wallet") if name.endswith(".py")}
    assert modules
    assert modules - wheel_names == set()


def test_wheel_holds_every_template_of_the_app(wheel_names):
    templates = _source_files(ROOT / "wallet" / "templates")
    assert templates - wheel_names == set()


def test_wheel_holds_every_static_file_of_the_app(wheel_names):
    static = _source_files(ROOT / "wallet" / "static")
    assert static - wheel_names == set()


def test_package_data_globs_reach_nested_folders(wheel_names):
    assert set(NESTED_PROBES) <= wheel_names


def test_wheel_does_not_ship_the_demo_command(wheel_names):
    # It creates a superuser with a published password: it belongs to the demo project.
    assert "wallet/management/commands/wallet_demo.py" not in wheel_names
    assert not [name for name in wheel_names if "wallet_demo" in name]
    assert "wallet/management/commands/wallet_create_client.py" in wheel_names


def test_wheel_holds_nothing_but_the_app_and_its_metadata(wheel_names):
    top_level = {name.split("/", 1)[0] for name in wheel_names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"wallet"}
    assert not [n for n in wheel_names if n.startswith(("config/", "tests/", "templates/"))]
    assert "manage.py" not in wheel_names

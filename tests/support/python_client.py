"""Commerce Layer's Python client (``commercelayer`` on PyPI), imported for what a test uses.

The client is generated: ``commercelayer.models``'s ``__init__`` imports all of its 10,929
model modules, 6 s of CPU per process (11 s under the suite's load), while the CRUD tests need a
few hundred. ``import_models_on_demand`` registers that package without running its
``__init__``: its submodules import as usual from the package's directory, and a name read
from the package (``from commercelayer.models import OrderCreate``) imports its own module
then, where ``__init__`` says it lives. The client's code runs unchanged.
"""

import importlib
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

PACKAGE = "commercelayer.models"
# The generated __init__ has one line per model: ``from .order_create import OrderCreate``.
MODEL_IMPORT = re.compile(r"^from \.(\w+) import (\w+)$", re.MULTILINE)


def import_models_on_demand() -> None:
    """Put a ``commercelayer.models`` in ``sys.modules`` that imports each model when used.

    Fails loudly (``RuntimeError``) if a release lays the package out differently, rather than
    letting the tests import the whole package again unnoticed.
    """
    if PACKAGE in sys.modules:
        return
    import commercelayer

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        raise RuntimeError(f"{PACKAGE} is not a package any more: update {__name__}")
    home = {name: module for module, name in MODEL_IMPORT.findall(Path(spec.origin).read_text())}
    if not home:
        raise RuntimeError(f"{spec.origin} imports no model as expected: update {__name__}")

    def model(name: str) -> Any:
        """The model class ``name``, from the module ``__init__`` imports it from."""
        if name not in home:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{PACKAGE}.{home[name]}"), name)

    package = types.ModuleType(PACKAGE, "Commerce Layer's models, each imported when used.")
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    package.__spec__ = spec
    package.__getattr__ = model  # type: ignore[method-assign]  # PEP 562's module __getattr__
    sys.modules[PACKAGE] = package
    commercelayer.models = package  # type: ignore[attr-defined]  # as the import system would

"""The JSON:API 1.0 document check and Commerce Layer's seed examples, both vendored in
``tests/support/data`` so the contract tests run (and fail) the same in any checkout."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema_rs

DATA = Path(__file__).resolve().parent / "data"
SCHEMA = DATA / "jsonapi_schema.json"
SEEDS = DATA / "seeds"


def _match_all_patterns(node: Any) -> Any:
    """Rewrite the schema's match-all ``patternProperties`` key ``""`` as ``"^"``.

    Python's jsonschema joined the pattern keys to find additional properties, and an empty
    join is falsy, so with ``""`` every attribute, meta and relationship member counted as
    forbidden; ``"^"`` means the same to every validator.
    """
    if isinstance(node, dict):
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and "" in patterns:
            node["patternProperties"] = {("^" if k == "" else k): v for k, v in patterns.items()}
        for value in node.values():
            _match_all_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _match_all_patterns(value)
    return node


_SCHEMA = _match_all_patterns(json.loads(SCHEMA.read_text()))
# Compiled once (jsonschema-rs, a Rust validator: the suite checks thousands of documents, some
# of them large, and Python's jsonschema took milliseconds apiece). Formats are annotations
# in draft 2020-12, as they were to Python's jsonschema.
JSONAPI_VALIDATOR = jsonschema_rs.validator_for(_SCHEMA, validate_formats=False)


def schema_errors(validator: Any, document: Any) -> list[str]:
    """What ``validator`` finds wrong with ``document``, each with where, in document order."""
    if validator.is_valid(document):
        return []
    errors = sorted(
        validator.iter_errors(document), key=lambda e: [str(p) for p in e.instance_path]
    )
    return [f"{error.message} at {list(error.instance_path)}" for error in errors]


def assert_jsonapi(document: dict) -> dict:
    """Fail unless ``document`` is a valid JSON:API 1.0 document; return it."""
    errors = schema_errors(JSONAPI_VALIDATOR, document)
    assert not errors, f"not a JSON:API document: {errors[0]}"
    return document


def seed_document(name: str) -> dict:
    """The JSON response example of a vendored seed page (``data/seeds/<name>``)."""
    text = (SEEDS / name).read_text()
    block = re.search(r"```javascript\n(\{\n  \"data\".*?)\n```", text, re.S)
    assert block, f"no JSON:API response example in {name}"
    return json.loads(block.group(1))

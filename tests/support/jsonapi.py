"""The JSON:API 1.0 document check and Commerce Layer's seed examples, both vendored in
``tests/support/data`` so the contract tests run (and fail) the same in any checkout."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

DATA = Path(__file__).resolve().parent / "data"
SCHEMA = DATA / "jsonapi_schema.json"
SEEDS = DATA / "seeds"


def _match_all_patterns(node: Any) -> Any:
    """Rewrite the schema's match-all ``patternProperties`` key ``""`` as ``"^"``.

    jsonschema joins the pattern keys to find additional properties, and an empty join is
    falsy, so with ``""`` every attribute, meta and relationship member counted as forbidden.
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
JSONAPI_VALIDATOR = jsonschema.validators.validator_for(_SCHEMA)(_SCHEMA)


def assert_jsonapi(document: dict) -> dict:
    """Fail unless ``document`` is a valid JSON:API 1.0 document; return it."""
    errors = sorted(JSONAPI_VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, f"not a JSON:API document: {errors[0].message} at {list(errors[0].path)}"
    return document


def seed_document(name: str) -> dict:
    """The JSON response example of a vendored seed page (``data/seeds/<name>``)."""
    text = (SEEDS / name).read_text()
    block = re.search(r"```javascript\n(\{\n  \"data\".*?)\n```", text, re.S)
    assert block, f"no JSON:API response example in {name}"
    return json.loads(block.group(1))

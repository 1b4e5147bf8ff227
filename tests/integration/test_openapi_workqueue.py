"""The workqueue part of the OpenAPI document matches the checked-in snapshot.

A deliberate change of the API updates the snapshot with:

    FINCLEAR_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/integration/test_openapi_workqueue.py

Only the ``/api/workqueue/`` paths and the schemas they use are compared, so the other
domains' routers change freely.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi_workqueue.json"
PREFIX = "/api/workqueue/"


def referenced(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            referenced(value, found)
    elif isinstance(node, list):
        for value in node:
            referenced(value, found)


def workqueue_part(spec: dict[str, Any]) -> dict[str, Any]:
    paths = {p: v for p, v in spec["paths"].items() if p.startswith(PREFIX)}
    schemas = spec.get("components", {}).get("schemas", {})
    names: set[str] = set()
    referenced(paths, names)
    pending = set(names)
    while pending:
        more: set[str] = set()
        referenced([schemas[n] for n in pending], more)
        pending = more - names
        names |= more
    return {
        "paths": dict(sorted(paths.items())),
        "schemas": {n: schemas[n] for n in sorted(names)},
        "security": spec.get("components", {}).get("securitySchemes", {}),
    }


@pytest.mark.django_db
def test_the_workqueue_api_matches_its_snapshot(client) -> None:
    from finclear.api.api import api

    part = workqueue_part(api.get_openapi_schema())
    text = json.dumps(part, indent=2, sort_keys=True) + "\n"
    if os.environ.get("FINCLEAR_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), (
        f"no snapshot: run with FINCLEAR_UPDATE_SNAPSHOT=1 to write {SNAPSHOT}"
    )
    assert json.loads(text) == json.loads(SNAPSHOT.read_text()), (
        "the workqueue API changed: if on purpose, regenerate the snapshot "
        "(FINCLEAR_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/integration/test_openapi_workqueue.py)"
    )


@pytest.mark.django_db
def test_every_workqueue_operation_needs_the_token(client) -> None:
    from finclear.api.api import api

    spec = api.get_openapi_schema()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        if path.startswith(PREFIX)
        for method, op in item.items()
    ]
    assert len(operations) >= 14
    for path, method, op in operations:
        assert op.get("security"), f"{method.upper()} {path} has no security requirement"
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert client.get("/api/openapi.json").status_code == 200

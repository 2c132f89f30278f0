"""/api/openapi.json documents every answer of /api/v1: each operation's success response has a schema
(a response model), so clients and schemathesis (tests/web/test_api_fuzz.py) can check what comes back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _operations(client: TestClient) -> dict[str, dict[str, Any]]:
    doc = client.get("/api/openapi.json").json()
    return {
        f"{method.upper()} {path}": op
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    }


def _described(op: dict[str, Any]) -> bool:
    """A success answer with a schema that says something (not "any object"), a file type, or no body."""
    for code, response in op.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        if code == "204":
            return True
        content = response.get("content", {})
        if any(media != "application/json" for media in content):
            return True
        schema = content.get("application/json", {}).get("schema") or {}
        generic = schema.get("type") == "object" and not schema.get("properties")
        if schema and not generic:
            return True
    return False


def test_every_api_answer_has_a_documented_shape(client: TestClient) -> None:
    """A route declares its response model (a pydantic `XRead` in the domain's schemas.py as its return
    annotation), or, for a file, its media types (`responses=files(...)`, tajriba.web.export)."""
    ops = _operations(client)
    assert len(ops) >= 130, "the OpenAPI document lost operations"
    assert sorted(name for name, op in ops.items() if not _described(op)) == [], "declare the response model"


def test_a_described_answer_names_its_fields(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    me = doc["components"]["schemas"]["MeRead"]
    assert set(me["required"]) == {"workspace", "role", "key"}
    assert doc["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MeRead"
    }

"""docs/api.md documents every operation the OpenAPI document describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from tests.harness import standalone_app

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
METHODS = ("get", "put", "post", "delete", "patch")


def test_every_operation_in_the_openapi_document_is_in_the_api_docs(tmp_path: Path) -> None:
    # The document is built from the code alone: no database needed.
    app = standalone_app(tmp_path, migrate=False)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    ]
    assert len(operations) > 10, operations
    documented = API_DOC.read_text()
    # Headings and examples name an operation as `METHOD /path`, paths relative to /api/v1.
    missing = [operation for operation in operations if f"`{operation}`" not in documented]
    assert missing == [], f"not in docs/api.md: {missing}"


def served_document(tmp_path: Path) -> dict[str, Any]:
    app = standalone_app(tmp_path, migrate=False)
    document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").get_json()
    return document


def test_the_openapi_document_is_valid(tmp_path: Path) -> None:
    # The validator also resolves every reference it meets; an error names the first problem.
    validate(served_document(tmp_path))


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_every_reference_resolves_inside_the_document(tmp_path: Path) -> None:
    document = served_document(tmp_path)
    refs = references(document)
    assert "#/components/schemas/Error" in refs
    for ref in refs:
        resolve(document, ref)
    assert "$defs" not in json.dumps(document), "pydantic's local definitions stay in components"
    # The list operations' filters are schemas like any other.
    filters = {p["name"]: p for p in document["paths"]["/alerts"]["get"]["parameters"]}
    assert filters and all("$defs" not in json.dumps(p["schema"]) for p in filters.values())


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": item[method]
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def test_each_operation_lists_only_the_answers_it_can_give(tmp_path: Path) -> None:
    for name, operation in operations(served_document(tmp_path)).items():
        method, path = name.split(" ", 1)
        statuses = set(operation["responses"])
        needs_login = operation["security"] != [{}]
        assert ("401" in statuses) == needs_login or name == "POST /tokens", name
        if method == "GET":
            assert not statuses & {"400", "413"}, f"{name} reads no body"
        else:
            assert {"400", "413"} <= statuses, name  # CSRF for sessions; a form body is read
        assert ("404" in statuses) == ("{" in path), name
    documented = operations(served_document(tmp_path))
    assert "401" not in documented["POST /members"]["responses"]
    assert "401" in documented["POST /tokens"]["responses"], "a wrong password"
    assert "429" in documented["POST /members"]["responses"]
    assert "429" not in documented["GET /me"]["responses"]


def test_each_schema_is_named_once_by_its_own_name(tmp_path: Path) -> None:
    # Two models of one name in different modules get module-qualified component names from
    # pydantic but keep one title: generators then make two classes of one name and drop both.
    schemas = served_document(tmp_path)["components"]["schemas"]
    qualified = [name for name in schemas if "__" in name]
    assert qualified == [], f"rename the models so that each name is unique: {qualified}"
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)

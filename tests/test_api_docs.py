"""docs/api.md documents every operation the OpenAPI document describes."""

from __future__ import annotations

from pathlib import Path

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

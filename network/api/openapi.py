"""Build the OpenAPI 3.1 document from the operations and the pydantic schemas they validate."""

from __future__ import annotations

import re
from typing import Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from network.api import OPERATIONS, api, openapi_path
from network.ids import MAX_ID

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}
ERROR_DESCRIPTIONS = {
    400: "Malformed request or missing CSRF token",
    401: "Not logged in, or the token is invalid",
    403: "Not allowed",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Validation failed; `fields` names each problem",
    429: "Rate limited; see Retry-After",
}


def build_document() -> dict[str, Any]:
    """Return the OpenAPI document for every registered operation."""
    models: set[tuple[type[BaseModel], Literal["validation", "serialization"]]] = set()
    for op in OPERATIONS:
        if op.body:
            models.add((op.body, "validation"))
        if op.response:
            models.add((op.response, "serialization"))
    keys, schemas = models_json_schema(
        sorted(models, key=lambda pair: (pair[0].__name__, pair[1])),
        ref_template="#/components/schemas/{model}",
    )
    components: dict[str, Any] = dict(schemas.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Upstander Network API",
            "version": "1",
            "description": "Coordinate supportive responses to online hate and bullying.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "upstander_session"},
            },
        },
    }


def _operation(op: Any, refs: dict[Any, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op.rule) + _query_parameters(op.query),
        "responses": {},
    }
    for status in (op.status, *op.other_statuses):
        document["responses"][str(status)] = {"description": op.summary}
        if op.response:
            schema = refs[(op.response, "serialization")]
            document["responses"][str(status)]["content"] = {"application/json": {"schema": schema}}
    if op.body:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    # A token that is invalid is refused everywhere, even where none is needed (401).
    statuses = set(op.errors) | {401, 429}
    if op.body or op.query:
        statuses |= {400, 413, 422}
    if "<" in op.rule:
        statuses |= {404}  # an id that names nothing, or is not an id at all
    if op.auth:
        document["security"] = [{"bearer": []}, {"session": []}]
    else:
        document["security"] = [{}]
    if op.method != "GET":
        statuses |= {400}
    for status in sorted(statuses):
        document["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return document


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


@api.get("/openapi.json")
def openapi_document() -> Response:
    """Serve the OpenAPI document."""
    return jsonify(build_document())

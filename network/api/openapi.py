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
        if op.query:
            models.add((op.query, "validation"))
        if op.response:
            models.add((op.response, "serialization"))
    keys, schemas = models_json_schema(
        sorted(models, key=lambda pair: (pair[0].__name__, pair[1])),
        ref_template="#/components/schemas/{model}",
    )
    # Every schema, query models included, is built in one pass with references into components:
    # pydantic's local `$defs` never reach the document.
    components: dict[str, Any] = dict(schemas.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(
            op, keys, components
        )
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


def _operation(op: Any, refs: dict[Any, Any], components: dict[str, Any]) -> dict[str, Any]:
    query = None
    if op.query:
        query = components[refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]]
    document: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op.rule) + _query_parameters(query),
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
    document["security"] = [{"bearer": []}, {"session": []}] if op.auth else [{}]
    document["responses"].update(_error_responses(op))
    return document


def _error_statuses(op: Any) -> set[int]:
    """The error statuses an operation can answer with, from how it works."""
    statuses = set(op.errors)
    if op.auth:
        statuses |= {401}  # no session and no token, or a token that is invalid
    # Every query value (declared or not) is checked for text no field may hold.
    statuses |= {422}
    if op.body:
        statuses |= {400}  # not JSON, or nested too deeply
    if op.method != "GET":
        # A write with a session cookie needs a CSRF token; a form body sent to any write is
        # read (for its values and the CSRF token), so it can be too large as well.
        statuses |= {400, 413}
    if "<" in op.rule:
        statuses |= {404}  # an id that names nothing, or is not an id at all
    if op.rate_limited:
        statuses |= {429}  # the operation's rate limits
    return statuses


def _error_responses(op: Any) -> dict[str, Any]:
    return {
        str(status): {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in sorted(_error_statuses(op))
    }


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One parameter per property of the query model's component schema (refs already moved)."""
    if schema is None:
        return []
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


@api.get("/openapi.json")
def openapi_document() -> Response:
    """Serve the OpenAPI document."""
    return jsonify(build_document())

"""The JSON API under /api/v1: one decorator validates requests and records the OpenAPI op."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import orjson
from flask import Blueprint, Response, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from network.accounts.models import Member
from network.edge import MAX_JSON_DEPTH, JSONTooDeep, loads_bounded
from network.errors import ServiceError, Unauthorised, ValidationFailed
from network.extensions import csrf, db
from network.translation import gettext as _

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)  # checked per request below: only cookie-authenticated writes need a token


@dataclass
class Operation:
    """One documented API operation."""

    rule: str
    method: str
    name: str
    summary: str
    tag: str
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    auth: bool
    errors: tuple[int, ...] = field(default_factory=tuple)
    # Other successes, with the same body (e.g. 200 when a POST found what it would create).
    other_statuses: tuple[int, ...] = field(default_factory=tuple)
    # Its decorators are rate limits (429 when one is reached).
    rate_limited: bool = False


OPERATIONS: list[Operation] = []
JSON = "application/json"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def operation(
    rule: str,
    method: str = "GET",
    *,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    errors: tuple[int, ...] = (),
    other_statuses: tuple[int, ...] = (),
    decorators: tuple[Callable[..., Any], ...] = (),
    reads_first: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view: authenticate, validate body and query, serialise the answer.

    GET operations read in autocommit (no transaction). `reads_first`: a write operation reads
    in autocommit too, from the token check on, until its use case calls db.write_from_here()."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        summary = (handler.__doc__ or handler.__name__).strip().splitlines()[0]
        OPERATIONS.append(
            Operation(
                rule,
                method,
                handler.__name__,
                summary,
                tag,
                status,
                body,
                query,
                response,
                auth,
                errors,
                other_statuses,
                bool(decorators),
            )
        )

        @wraps(handler)
        def view(**path: Any) -> Response:
            kwargs: dict[str, Any] = dict(path)
            if auth:
                actor = authenticated_member()
                if actor is None:
                    raise Unauthorised(_("Log in or send a valid access token."))
                kwargs["actor"] = actor
            else:
                # Signing up, logging in and asking for a reset act the same for everyone: the
                # token is not looked at; a session still needs its CSRF token for writes.
                actor = session_member()
            if method in WRITE_METHODS and actor is not None and not bearer_token():
                csrf.protect()
            if query is not None:
                kwargs["query"] = parse(query, request.args.to_dict())
            if body is not None:
                kwargs["body"] = parse(body, json_body())
            result = handler(**kwargs)
            if isinstance(result, Response):
                return result
            if result is None and status == 204:
                return Response(status=204)
            return json_answer(result, status)

        wrapped: Callable[..., Any] = view
        for decorator in reversed(decorators):
            wrapped = decorator(wrapped)
        if method == "GET" or reads_first:
            # Outermost, so the reads of the decorators (a limit keyed on the member) are in it.
            wrapped = _reading_first(wrapped)
        api.add_url_rule(rule, endpoint=handler.__name__, view_func=wrapped, methods=[method])
        return handler

    return decorate


def _reading_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run the view's reads without a transaction: two round trips (BEGIN, ROLLBACK) fewer."""

    @wraps(view)
    def reading(**path: Any) -> Any:
        db.read_in_autocommit()
        return view(**path)

    return reading


def json_answer(result: BaseModel | None, status: int = 200) -> Response:
    """Serialise an answer with orjson (keys sorted, as Flask's own JSON did)."""
    body = result.model_dump(mode="json") if result is not None else {}
    return Response(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), status, mimetype=JSON)


def bearer_token() -> str | None:
    """Return the bearer token sent with the request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticated_member() -> Member | None:
    """Return the member behind the session or bearer token; a bad token is refused outright."""
    if request.headers.get("Authorization") and current_user.is_anonymous:
        raise Unauthorised(_("The access token is invalid, expired or revoked."))
    if current_user.is_authenticated:
        member: Member = current_user._get_current_object()
        return member
    return None


def session_member() -> Member | None:
    """Return the member logged in with a session cookie, without looking at any token."""
    if request.headers.get("Authorization"):
        return None
    if current_user.is_authenticated:
        member: Member = current_user._get_current_object()
        return member
    return None


def json_body() -> Any:
    """Return the parsed JSON body, refusing anything that is not JSON or nests too deeply."""
    if not request.is_json:
        raise ServiceError(
            _("Send the request body as JSON (Content-Type: application/json)."),
            code="invalid_json",
        )
    try:
        payload = loads_bounded(request.get_data(cache=True))
    except JSONTooDeep:
        raise ServiceError(
            _("The request body nests too deeply (at most %(n)s levels).", n=MAX_JSON_DEPTH),
            code="invalid_json",
        ) from None
    except ValueError:
        payload = None
    if payload is None:
        raise ServiceError(_("The request body is not valid JSON."), code="invalid_json")
    return payload


def parse(model: type[BaseModel], payload: Any) -> BaseModel:
    """Validate a payload against a schema; problems become a 422 naming each field."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "body"
            fields.setdefault(name, describe(problem))
        raise ValidationFailed(_("Some fields are not valid."), fields=fields) from None


def describe(problem: Any) -> str:
    """Translate the common pydantic problems; keep pydantic's text for the rest."""
    context = problem.get("ctx") or {}
    kind = problem["type"]
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not allowed.")
    if kind == "string_too_short":
        if context.get("min_length") == 1:
            return _("This field is required.")
        return _("Use at least %(n)s characters.", n=context.get("min_length"))
    if kind == "string_too_long":
        return _("Use at most %(n)s characters.", n=context.get("max_length"))
    if kind in {"int_parsing", "int_type"}:
        return _("Enter a whole number.")
    if kind in {"greater_than_equal", "less_than_equal"}:
        return _("The value is out of range.")
    if kind in {"enum", "literal_error"}:
        options = str(context.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return _("Choose one of: %(options)s.", options=options)
    if kind == "value_error" and "email" in str(problem.get("msg", "")).lower():
        return _("Enter a valid email address.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    return str(problem.get("msg", _("This value is not valid.")))


def openapi_path(rule: str) -> str:
    """Turn a werkzeug rule into an OpenAPI path template."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)

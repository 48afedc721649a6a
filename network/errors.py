"""One error shape for the API, friendly pages for the web."""

from __future__ import annotations

import math
import time
from typing import Any

import orjson
from flask import Flask, Response, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from network.extensions import LimitUnavailable, db, limiter
from network.translation import gettext as _
from network.translation import ngettext


class ServiceError(Exception):
    """A use case refused: carries the status, a stable code, a message and per-field problems."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class Unauthorised(ServiceError):
    status = 401
    code = "unauthorised"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the API's one error shape."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def wants_json() -> bool:
    """Tell whether the failing request came to the API (or asked for JSON)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def _http_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorised",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_failed",
        429: "rate_limited",
        503: "service_unavailable",
    }.get(status, "server_error" if status >= 500 else "error")


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You are not allowed to do that."),
        404: _("This page or resource does not exist."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send the request body as JSON."),
        429: _("Too many attempts. Please wait a moment and try again."),
        503: _("The service is temporarily unavailable. Please try again shortly."),
    }
    return messages.get(status, _("Something went wrong on our side. Please try again."))


def respond(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    """Answer an error as JSON for the API or as a page for the web."""
    if wants_json():
        # Written as the API's answers are (network/api: orjson, keys sorted): a claim refused
        # at its cap, the common answer when many members answer one alert, is one of these.
        shape = error_body(code, message, fields)
        try:
            body = orjson.dumps(shape, option=orjson.OPT_SORT_KEYS, default=str)
            response = Response(body, mimetype="application/json")
        except orjson.JSONEncodeError:  # text orjson refuses (a lone surrogate): escaped
            response = jsonify(shape)
    else:
        response = Response(
            render_template(
                "errors/error.html", status=status, message=message, fields=fields or {}
            )
        )
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Route every error through respond()."""

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        return respond(error.status, error.code, error.message, error.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Response:
        return respond(
            400,
            "csrf_failed",
            _("The form expired or was not sent from this site. Please try again."),
        )

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current else 60
        minutes = max(1, math.ceil(wait / 60))
        response = respond(
            429,
            "rate_limited",
            ngettext(
                "Too many attempts. Please try again in %(num)d minute.",
                "Too many attempts. Please try again in %(num)d minutes.",
                minutes,
            ),
        )
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(LimitUnavailable)
    def _limit_unavailable(error: LimitUnavailable) -> Response:
        # The attempt could not be counted, so it is not made: fail closed, and say when to retry.
        response = respond(
            503,
            "service_unavailable",
            _("Logging in is paused for a moment. Please try again in a minute."),
        )
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = respond(status, _http_code(status), _http_message(status))
        valid_methods = getattr(error, "valid_methods", None)
        if status == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(sa_exc.OperationalError)
    def _database_unavailable(error: sa_exc.OperationalError) -> Response:
        db.session.rollback()
        if type(error.orig).__module__.startswith("sqlite3") and "locked" not in str(error.orig):
            # SQLite reports mistakes in SQL as operational errors too: those are bugs.
            app.logger.exception("database error on %s %s", request.method, request.path)
            return respond(500, "server_error", _http_message(500))
        # A lost database connection fails the request cleanly; the pool reconnects later.
        app.logger.warning("database unavailable: %s", error.orig)
        return respond(503, "service_unavailable", _http_message(503))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        # The failed statement may have left the transaction unusable; the error page itself
        # reads the database (who is logged in), so start clean.
        db.session.rollback()
        try:
            return respond(500, "server_error", _http_message(500))
        except Exception:
            app.logger.exception("the error page failed too on %s", request.path)
            response = jsonify(error_body("server_error", _http_message(500)))
            response.status_code = 500
            return response

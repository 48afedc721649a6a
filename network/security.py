"""Security headers on every response, with a per-request nonce for the Content-Security-Policy."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from flask_login import current_user

from network.settings import settings_of


def csp_nonce() -> str:
    """Return this request's script nonce."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


@lru_cache(maxsize=16)
def websocket_origin(site_url: str) -> str:
    """Return the site's ws:// or wss:// origin (older browsers do not count it as 'self')."""
    parts = urlsplit(site_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def origin_checker(app: Flask) -> Callable[[str | None, dict[str, Any]], bool]:
    """Accept Socket.IO connections only from the site itself (never `*`).

    Browsers always send Origin; it must be the configured SITE_URL or the very host the
    request came to (same origin). Clients that are not browsers send none and authenticate
    with a token instead."""

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        return origin is None or is_own_origin(origin, environ, settings_of(app).site_url)

    return allowed


def is_own_origin(origin: str, environ: dict[str, Any], site_url: str) -> bool:
    """Tell whether an Origin header names this site: SITE_URL or the host the request came to."""
    same_origin = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
    return origin in {site_url, same_origin}


def content_security_policy(app: Flask, *, inline_styles: bool = False) -> str:
    """Return the site's policy for this request.

    `inline_styles` lets `<style>` elements written by a script apply. Only the API reference
    page asks for it: Redoc writes its styles as it renders, and one stylesheet as its bundle
    loads, before any nonce can be handed to it. Scripts stay as strict as everywhere; the page
    shows no member's text, only the server's own API document."""
    # Only this site's own socket: a bare ws:/wss: would let a script talk to any host.
    connect = f"'self' {websocket_origin(settings_of(app).site_url)}"
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        f"style-src {styles}; img-src 'self' data:; "
        f"connect-src {connect}; form-action 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def init_app(app: Flask) -> None:
    """Add the headers to every response, error pages included."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    development = settings_of(app).environment in {"development", "test"}

    fixed = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if not development:
        fixed.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    fixed_by_key = [(name.lower(), name, value) for name, value in fixed]

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        # Which headers the response has, looked at once: asking werkzeug's Headers for one it
        # lacks raises and catches an exception inside, a dozen times a response.
        present: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            present[key] = f"{present[key]}, {value}" if key in present else value
        # A page with its own policy (built by content_security_policy) keeps it.
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", content_security_policy(app))
        for key, name, value in fixed_by_key:
            if key not in present:
                headers.add(name, value)
        # Personal pages and every API answer (errors included) stay out of shared caches.
        if request.path.startswith("/api/") or (current_user and current_user.is_authenticated):
            headers["Cache-Control"] = "no-store"
            if "Cookie" not in present.get("vary", ""):
                headers.add("Vary", "Cookie")
        return response

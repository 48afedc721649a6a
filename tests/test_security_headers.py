"""Strict security headers on every answer: pages, error pages, API answers and API errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient


def csp(response: Any) -> dict[str, list[str]]:
    """Return the Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_strict_headers(response: Any) -> None:
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert any(re.fullmatch(r"'nonce-[A-Za-z0-9_-]{16,}'", source) for source in scripts)
    for sources in policy.values():
        assert "*" not in sources and "http:" not in sources and "https:" not in sources
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def script_nonces(response: Any) -> set[str]:
    return set(re.findall(r'<script[^>]*\bnonce="([^"]+)"', response.get_data(as_text=True)))


@pytest.mark.parametrize("page", ["/", "/join", "/login", "/code-of-conduct"])
def test_public_pages_send_strict_headers(client: FlaskClient, page: str) -> None:
    assert_strict_headers(client.get(page))


def test_the_script_nonce_matches_the_header_and_changes_every_request(
    client: FlaskClient,
) -> None:
    first, second = client.get("/"), client.get("/")
    for response in (first, second):
        nonces = script_nonces(response)
        assert len(nonces) == 1, "every script tag carries the request's nonce"
        assert f"'nonce-{nonces.pop()}'" in csp(response)["script-src"]
    assert csp(first)["script-src"] != csp(second)["script-src"]


def test_pages_have_no_inline_script_without_the_nonce(client: FlaskClient) -> None:
    markup = client.get("/").get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", markup):
        assert "nonce=" in tag
    assert not re.search(r"\son[a-z]+=", markup), "no inline event handlers (CSP forbids them)"


def test_websockets_may_only_connect_to_this_site(client: FlaskClient) -> None:
    sources = csp(client.get("/"))["connect-src"]
    assert "ws:" not in sources and "wss:" not in sources
    assert "'self'" in sources


def test_logged_in_pages_are_never_cached(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    for page in ("/profile", "/teams/", "/"):
        response = client.get(page)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        assert_strict_headers(response)
        assert "'nonce-" + script_nonces(response).pop() + "'" in csp(response)["script-src"]


def test_api_answers_with_a_token_are_never_cached(api_as: Any, create_member: Any) -> None:
    response = api_as(create_member(), "GET", "/api/v1/me")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert_strict_headers(response)


def test_not_found_page_has_the_headers_and_a_matching_nonce(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_strict_headers(response)
    nonce = script_nonces(response).pop()
    assert f"'nonce-{nonce}'" in csp(response)["script-src"]


def test_not_found_page_of_a_member_is_not_cached(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    response = client.get("/teams/999999")
    assert response.status_code == 404
    assert_strict_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/me", 401),
        ("GET", "/api/v1/nothing-here", 404),
        ("POST", "/api/v1/members", 422),
        ("DELETE", "/api/v1/me", 405),
    ],
)
def test_api_errors_have_the_headers_and_the_error_shape(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = client.open(path, method=method, json={})
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert_strict_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_api_error_for_a_member_is_not_cached(api_as: Any, create_member: Any) -> None:
    response = api_as(create_member(), "GET", "/api/v1/teams/999999")
    assert response.status_code == 404
    assert_strict_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_are_not_sniffed(client: FlaskClient) -> None:
    response = client.get("/static/js/site.js")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_only_the_api_reference_lets_scripts_write_styles(
    app: Any, client: FlaskClient, tmp_path: Any
) -> None:
    # Redoc writes <style> elements as it renders; scripts stay as strict as on every page.
    reference = client.get("/api/docs")
    assert_strict_headers(reference)
    assert csp(reference)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp(client.get("/"))["style-src"] == ["'self'"]
    # Without the viewer (no npm at set-up) the page needs nothing more than any other.
    static, app.static_folder = app.static_folder, str(tmp_path)
    try:
        bare = client.get("/api/docs")
    finally:
        app.static_folder = static
    assert csp(bare)["style-src"] == ["'self'"]
    text = bare.get_data(as_text=True)
    assert "The reference viewer is not installed" in text
    assert 'href="/api/v1/openapi.json"' in text


@pytest.mark.parametrize(
    ("path", "given", "expected"),
    [
        # path, headers the view set, {header: its values afterwards}
        ("/api/v1/alerts", [], {"Vary": ["Cookie"], "Cache-Control": ["no-store"]}),
        (
            "/api/v1/alerts",
            [("Vary", "Accept-Encoding")],
            {"Vary": ["Accept-Encoding", "Cookie"]},
        ),
        ("/api/v1/alerts", [("Vary", "Cookie")], {"Vary": ["Cookie"]}),
        (
            "/api/v1/alerts",
            [("vary", "accept-encoding, Cookie")],
            {"Vary": ["accept-encoding, Cookie"]},
        ),
        (
            "/api/v1/alerts",
            [("Vary", "Accept-Encoding"), ("Vary", "Cookie")],
            {"Vary": ["Accept-Encoding", "Cookie"]},
        ),
        ("/api/v1/alerts", [("Cache-Control", "max-age=60")], {"Cache-Control": ["no-store"]}),
        ("/join", [("X-Frame-Options", "SAMEORIGIN")], {"X-Frame-Options": ["SAMEORIGIN"]}),
        ("/join", [("x-frame-options", "SAMEORIGIN")], {"X-Frame-Options": ["SAMEORIGIN"]}),
        (
            "/join",
            [("Content-Security-Policy", "default-src 'none'")],
            {"Content-Security-Policy": ["default-src 'none'"]},
        ),
        ("/join", [], {"Referrer-Policy": ["no-referrer"], "Cache-Control": []}),
    ],
)
def test_headers_a_view_set_are_kept_and_none_is_sent_twice(
    app: Any, path: str, given: list[tuple[str, str]], expected: dict[str, list[str]]
) -> None:
    from flask import Response

    with app.test_request_context(path):
        response = app.process_response(Response("{}", headers=given))
    for name, values in expected.items():
        found = response.headers.getlist(name)
        if name == "Vary":  # one header or several, as long as each word comes once
            words = [word.strip().lower() for value in found for word in value.split(",")]
            wanted = [word.strip().lower() for value in values for word in value.split(",")]
            assert sorted(words) == sorted(wanted), found
        else:
            assert found == values, name
    names = [name.lower() for name, _value in response.headers.items()]
    repeated = {name for name in names if names.count(name) > 1} - {"vary"}
    assert not repeated, repeated
    for name in ("X-Content-Type-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"):
        assert len(response.headers.getlist(name)) == 1

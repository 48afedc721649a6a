"""Every state change needs proof it came from this site: a CSRF token or a bearer token.

And reading is only reading: no GET, by anyone, writes to the database.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from network.api import OPERATIONS, WRITE_METHODS
from tests.conftest import csrf_token_from
from tests.world import ROLES, World, fill, rules_of, visit, world

__all__ = ["world"]


def example_path(rule: str) -> str:
    """Fill a rule's variables with an id, enough to reach the view's first check."""
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule)


# Forms whose signed link is itself the credential (mail clients post them without a session,
# RFC 8058 one-click unsubscribe): a forged or damaged link is refused instead.
SIGNED_LINK_ENDPOINTS = {"digests.unsubscribe", "campaigns.unsubscribe"}


def page_form_rules(app: Flask) -> list[str]:
    return sorted(
        example_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set())
        and not rule.rule.startswith("/api/")
        and rule.endpoint != "static"
        and rule.endpoint not in SIGNED_LINK_ENDPOINTS
    )


def test_signed_link_forms_refuse_a_forged_link(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SIGNED_LINK_ENDPOINTS:
            assert client.post(example_path(rule.rule)).status_code == 400, rule.rule


def test_page_forms_are_found(app: Flask) -> None:
    rules = page_form_rules(app)
    for expected in ("/join", "/login", "/logout", "/profile", "/teams/", "/teams/join"):
        assert expected in rules


def test_every_page_form_is_refused_without_a_csrf_token(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    for path in page_form_rules(app):
        response = client.post(path, data={"name": "x", "email": "x@example.org"})
        assert response.status_code == 400, path
        assert "The form expired or was not sent from this site" in response.get_data(
            as_text=True
        ), path


def test_every_page_form_is_refused_without_a_csrf_token_when_logged_out(
    app: Flask, client: FlaskClient
) -> None:
    for path in page_form_rules(app):
        assert client.post(path, data={}).status_code == 400, path


def test_a_token_from_another_browser_is_refused(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    foreign = csrf_token_from(app.test_client().get("/login").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 200, "still logged in"


def test_refused_forms_change_nothing(
    client: FlaskClient, create_member: Any, log_in: Any, api_as: Any
) -> None:
    member = create_member(display_name="Before")
    log_in(member)
    client.post("/logout")
    client.post("/profile", data={"display_name": "After", "locale": "en"})
    client.post("/teams/", data={"create-name": "Sneaky team"})
    assert client.get("/profile").status_code == 200, "logout without a token did nothing"
    me = client.get("/api/v1/me").get_json()
    assert me["display_name"] == "Before"
    assert api_as(member, "GET", "/api/v1/teams").get_json()["items"] == []


def test_csrf_token_is_accepted_from_the_page(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    assert submit("/", {}, action="/logout").status_code == 302
    assert client.get("/profile").status_code == 302


# --- the API ---------------------------------------------------------------------------------


def api_writes() -> list[tuple[str, str]]:
    return sorted(
        (op.method, "/api/v1" + example_path(op.rule))
        for op in OPERATIONS
        if op.method in WRITE_METHODS
    )


def test_every_api_write_with_the_session_cookie_needs_the_csrf_header(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    writes = api_writes()
    assert ("POST", "/api/v1/teams") in writes and ("PATCH", "/api/v1/me") in writes
    for method, path in writes:
        response = client.open(path, method=method, json={})
        assert response.status_code == 400, (method, path, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "csrf_failed", (method, path)


def test_api_write_with_the_session_cookie_and_csrf_header_is_allowed(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    token = csrf_token_from(client.get("/teams/").get_data(as_text=True))
    created = client.post("/api/v1/teams", json={"name": "Club"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    wrong = client.post("/api/v1/teams", json={"name": "Club"}, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "csrf_failed"


def test_api_writes_with_a_bearer_token_need_no_csrf_token(api_as: Any, create_member: Any) -> None:
    member = create_member()
    created = api_as(member, "POST", "/api/v1/teams", json={"name": "Club"})
    assert created.status_code == 201
    changed = api_as(member, "PATCH", "/api/v1/me", json={"display_name": "Changed"})
    assert changed.status_code == 200 and changed.get_json()["display_name"] == "Changed"
    left = api_as(member, "DELETE", f"/api/v1/teams/{created.get_json()['id']}/members/me")
    assert left.status_code == 204


def test_api_reads_with_the_session_cookie_need_no_csrf_token(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/teams").status_code == 200


# --- reading changes nothing ---------------------------------------------------------------------


# Reads that are audited: the research export records who downloaded it, and nothing else.
AUDITED_READS = {"/impact/export.csv", "/impact/export.parquet"}


def test_no_get_changes_the_database(app: Flask, world: World) -> None:
    """Every page and API read, as every role, sends no INSERT, UPDATE or DELETE (but the
    audit entry of an audited read)."""
    written = []
    for method, rule in rules_of(app):
        if method != "GET":
            continue
        path = fill(rule.rule, world)
        for role in ROLES:
            seen = visit(app, world, role, "GET", path)
            assert seen.status < 500, (path, role, seen.body[:500])
            writes = seen.writes
            if path in AUDITED_READS:
                writes = [w for w in writes if not w.startswith("INSERT INTO audit_entry ")]
            if writes:
                written.append(f"{path} as {role}: {writes}")
    assert not written, "\n".join(written)

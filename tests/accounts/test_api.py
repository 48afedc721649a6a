"""Sign-up, tokens and /me over the API: the happy path and every refusal with its shape."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import AccessToken, Member
from network.extensions import db

SIGN_UP = {
    "email": "Nina@Example.org",
    "password": "stand up for each other",
    "display_name": "Nina",
    "locale": "nl",
    "time_zone": "Europe/Amsterdam",
    "pledge_accepted": True,
}


def member_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Member)) or 0


def assert_error(response: Any, status: int, code: str, fields: set[str] | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["fields"]) == fields


def test_member_signs_up_gets_a_token_and_reads_me(client: FlaskClient, app: Flask) -> None:
    created = client.post("/api/v1/members", json=SIGN_UP)
    assert created.status_code == 202
    assert created.get_json()["status"] == "check_email"

    issued = client.post(
        "/api/v1/tokens", json={"email": "NINA@example.org", "password": SIGN_UP["password"]}
    )
    assert issued.status_code == 201
    token = issued.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    member = me.get_json()
    assert member["email"] == "nina@example.org"
    assert member["trust_level"] == 0 and member["role"] == "member"
    assert member["email_verified"] is False, "usable at once, verified by the mailed link"
    assert "password" not in member and "password_hash" not in member
    with app.app_context():
        stored = db.session.scalars(sa.select(AccessToken.token_hash)).all()
    assert token not in stored and len(stored) == 1, "tokens are stored hashed"


def test_password_is_hashed_with_argon2id(client: FlaskClient, app: Flask) -> None:
    client.post("/api/v1/members", json=SIGN_UP)
    with app.app_context():
        stored = db.session.scalar(sa.select(Member.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "1234567890"}, "password"),
        ({"password": "password123"}, "password"),
        ({"pledge_accepted": False}, "pledge_accepted"),
        ({"locale": "fr"}, "locale"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"display_name": "   "}, "display_name"),
        ({"is_admin": True}, "is_admin"),
    ],
)
def test_bad_sign_up_is_refused_and_stores_nothing(
    client: FlaskClient, app: Flask, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/members", json={**SIGN_UP, **change})
    assert_error(response, 422, "validation_failed")
    assert field in response.get_json()["error"]["fields"]
    assert member_count(app) == 0


def test_missing_fields_are_named(client: FlaskClient) -> None:
    response = client.post("/api/v1/members", json={})
    assert_error(
        response, 422, "validation_failed", {"email", "password", "display_name", "pledge_accepted"}
    )


def test_same_email_in_other_case_makes_no_second_account(client: FlaskClient, app: Flask) -> None:
    first = client.post("/api/v1/members", json=SIGN_UP)
    again = client.post("/api/v1/members", json={**SIGN_UP, "email": "NINA@EXAMPLE.ORG"})
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert member_count(app) == 1


def test_body_that_is_not_json_is_a_400(client: FlaskClient, app: Flask) -> None:
    assert_error(
        client.post("/api/v1/members", data="email=x", content_type="text/plain"),
        400,
        "invalid_json",
    )
    assert_error(
        client.post("/api/v1/members", data="{not json", content_type="application/json"),
        400,
        "invalid_json",
    )
    assert member_count(app) == 0


def test_oversized_body_is_a_413(client: FlaskClient, app: Flask) -> None:
    huge = {**SIGN_UP, "display_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    assert_error(client.post("/api/v1/members", json=huge), 413, "payload_too_large")
    assert member_count(app) == 0


def test_unknown_email_and_wrong_password_get_the_same_answer(client: FlaskClient) -> None:
    client.post("/api/v1/members", json=SIGN_UP)
    wrong = client.post("/api/v1/tokens", json={"email": SIGN_UP["email"], "password": "nope" * 4})
    unknown = client.post(
        "/api/v1/tokens", json={"email": "who@example.org", "password": SIGN_UP["password"]}
    )
    assert_error(wrong, 401, "invalid_credentials")
    assert_error(unknown, 401, "invalid_credentials")
    assert wrong.get_json() == unknown.get_json()


@pytest.mark.parametrize("header", ["Bearer upn_wrong", "Bearer ", "Basic abc", "Bearer x" * 50])
def test_wrong_token_is_a_401(client: FlaskClient, header: str) -> None:
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorised")


def test_me_without_credentials_is_a_401(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/me"), 401, "unauthorised")


def test_preferences_change_through_patch(api_as: Any, create_member: Any) -> None:
    member = create_member()
    response = api_as(
        member,
        "PATCH",
        "/api/v1/me",
        json={
            "platforms": ["tiktok", "instagram"],
            "languages": ["nl"],
            "digest_frequency": "daily",
            "comfortable_actions": ["report_platform"],
            "locale": "nl",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["platforms"] == ["instagram", "tiktok"]
    assert body["digest_frequency"] == "daily" and body["locale"] == "nl"
    bad = api_as(member, "PATCH", "/api/v1/me", json={"comfortable_actions": ["shout"]})
    assert_error(bad, 422, "validation_failed", {"comfortable_actions.0"})


def test_error_messages_follow_the_member_language(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/members", json={**SIGN_UP, "password": "short"}, headers={"Accept-Language": "nl"}
    )
    assert response.get_json()["error"]["fields"]["password"] == "Gebruik minstens 10 tekens."


def test_cookie_session_writes_need_a_csrf_token(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    refused = client.patch("/api/v1/me", json={"display_name": "Changed"})
    assert_error(refused, 400, "csrf_failed")
    page = client.get("/profile").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    allowed = client.patch(
        "/api/v1/me",
        json={"display_name": "Changed"},
        headers={"X-CSRFToken": csrf_token_from(page)},
    )
    assert allowed.status_code == 200
    assert allowed.get_json()["display_name"] == "Changed"


def test_a_member_revokes_one_token_and_it_stops_working(
    client: FlaskClient, create_member: Any, create_token: Any
) -> None:
    member, other = create_member(), create_member()
    kept, revoked = create_token(member), create_token(member)
    auth = {"Authorization": f"Bearer {kept}"}
    listing = client.get("/api/v1/me", headers={"Authorization": f"Bearer {revoked}"})
    assert listing.status_code == 200
    from network.accounts.models import AccessToken
    from network.accounts.tokens import token_digest

    with client.application.app_context():
        token_id = db.session.scalar(
            sa.select(AccessToken.id).where(AccessToken.token_hash == token_digest(revoked))
        )
    foreign = client.delete(
        f"/api/v1/tokens/{token_id}", headers={"Authorization": f"Bearer {create_token(other)}"}
    )
    assert_error(foreign, 404, "not_found")
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=auth).status_code == 204
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {revoked}"}),
        401,
        "unauthorised",
    )
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert_error(client.delete(f"/api/v1/tokens/{token_id}", headers=auth), 404, "not_found")

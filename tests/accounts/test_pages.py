"""The account pages as a visitor uses them: join, log in and out, profile, password, delete."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import AccessToken, DigestFrequency, Member
from network.extensions import db
from network.teams.models import Team, TeamMembership, TeamRole

JOIN = {
    "email": "Nina@Example.org",
    "password": "stand up for each other",
    "display_name": "Nina",
    "locale": "en",
    "time_zone": "Europe/Amsterdam",
    "pledge_accepted": "y",
}


def text_of(response: Any) -> str:
    """Return the page's text with tags removed and entities decoded, whitespace collapsed."""
    markup = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def input_value(response: Any, name: str) -> str:
    """Return the value a form input shows again ('' when it shows none)."""
    markup = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', markup)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def field_error(response: Any, field_id: str) -> str:
    """Return the problem shown under a field ('' when there is none)."""
    markup = response.get_data(as_text=True)
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', markup, re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def member_row(app: Flask, email: str) -> Member | None:
    with app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.email == email.lower()))
        if member is not None:
            db.session.expunge(member)
        return member


def member_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Member)) or 0


# --- joining ---------------------------------------------------------------------------------


def test_join_page_shows_the_code_of_conduct(client: FlaskClient) -> None:
    page = text_of(client.get("/join"))
    assert "Our code of conduct" in page
    for point in (
        "Be respectful.",
        "No insults, no sarcasm.",
        "Don't harass the harasser.",
        "Protect the target's privacy.",
    ):
        assert point in page
    assert "I accept the code of conduct" in page


def test_visitor_joins_through_the_form_and_can_log_in_at_once(
    client: FlaskClient, submit: Any, app: Flask
) -> None:
    response = submit("/join", JOIN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/join/sent"
    assert "We sent a message to your email address" in text_of(client.get("/join/sent"))
    member = member_row(app, "nina@example.org")
    assert member is not None
    assert member.display_name == "Nina" and member.locale == "en"
    assert member.trust_level == 0 and member.pledge_accepted_at is not None
    assert member.password_hash.startswith("$argon2id$")
    assert member.email_verified_at is None
    logged_in = submit("/login", {"email": JOIN["email"], "password": JOIN["password"]})
    assert logged_in.status_code == 302, "no need to confirm the address before using the site"
    assert "not confirmed yet" in text_of(client.get("/profile"))


def test_join_without_the_pledge_names_it_and_stores_nothing(submit: Any, app: Flask) -> None:
    response = submit("/join", {**JOIN, "pledge_accepted": ""})
    assert response.status_code == 200
    assert field_error(response, "pledge_accepted") == (
        "You can only join after accepting the code of conduct."
    )
    assert member_count(app) == 0


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"password": "short"}, "password", "Use at least 10 characters."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password": "nina@example.org"}, "password", "Do not use your email address"),
        ({"email": "nina-at-example.org"}, "email", "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone"),
    ],
)
def test_bad_join_shows_the_form_again_naming_the_problem(
    submit: Any, app: Flask, change: dict[str, str], field: str, problem: str
) -> None:
    entered = {**JOIN, **change}
    response = submit("/join", entered)
    assert response.status_code == 200
    assert problem.lower() in field_error(response, field).lower()
    assert input_value(response, "email") == entered["email"]
    assert input_value(response, "display_name") == "Nina"
    assert input_value(response, "time_zone") == entered["time_zone"]
    assert input_value(response, "password") == "", "a password is never sent back"
    assert member_count(app) == 0


def test_every_problem_of_a_join_is_named_at_once(submit: Any, app: Flask) -> None:
    response = submit(
        "/join",
        {**JOIN, "password": "short", "time_zone": "Mars/Olympus", "pledge_accepted": ""},
    )
    assert response.status_code == 200
    assert field_error(response, "password") == "Use at least 10 characters."
    assert field_error(response, "time_zone").startswith("Choose a time zone")
    assert field_error(response, "pledge_accepted").startswith("You can only join")
    assert "Please correct the following" in text_of(response)
    assert member_count(app) == 0


def test_joining_with_a_taken_email_in_another_case_makes_no_second_account(
    submit: Any, create_member: Any, app: Flask
) -> None:
    create_member(email="nina@example.org")
    response = submit("/join", {**JOIN, "email": "NINA@example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/join/sent"
    assert member_count(app) == 1


def test_logged_in_member_is_sent_home_from_join(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    response = client.get("/join")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- logging in and out --------------------------------------------------------------------


def test_member_logs_in_and_out(client: FlaskClient, submit: Any, create_member: Any) -> None:
    member = create_member(display_name="Sam")
    response = submit("/login", {"email": member.email.upper(), "password": member.password})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert "Log out" in text_of(home) and "Join the movement" not in text_of(home)
    assert client.get("/profile").status_code == 200

    logged_out = submit("/", {}, action="/logout")
    assert logged_out.status_code == 302
    assert "You are logged out." in text_of(client.get("/"))
    assert client.get("/profile").status_code == 302


def test_wrong_password_and_unknown_email_show_the_same_message(
    client: FlaskClient, submit: Any, create_member: Any
) -> None:
    member = create_member()
    wrong = submit("/login", {"email": member.email, "password": "not-the-password"})
    unknown = submit("/login", {"email": "nobody@example.org", "password": member.password})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Email address or password is incorrect." in text_of(response)
        assert input_value(response, "password") == ""
    assert client.get("/profile").status_code == 302, "neither attempt logged anyone in"


@pytest.mark.parametrize("page", ["/profile", "/profile/password", "/profile/delete", "/teams/"])
def test_member_pages_send_visitors_to_the_login(client: FlaskClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert location.query == "next=" + page.replace("/", "%2F")


def test_login_continues_to_the_page_asked_for(
    client: FlaskClient, submit: Any, create_member: Any
) -> None:
    member = create_member()
    login_page = client.get("/profile/password").headers["Location"]
    response = submit(login_page, {"email": member.email, "password": member.password})
    assert response.headers["Location"] == "/profile/password"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        " //evil.example/",
        "javascript:alert(1)",
    ],
)
def test_login_refuses_to_continue_to_another_site(
    client: FlaskClient, create_member: Any, target: str
) -> None:
    from tests.conftest import csrf_token_from

    member = create_member()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": member.email, "password": member.password},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_refuses_to_continue_to_another_site(submit: Any) -> None:
    response = submit("/", {"locale": "nl", "next": "/\t/evil.example/"}, action="/language")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- profile ---------------------------------------------------------------------------------


def test_member_saves_preferences_on_the_profile(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, app: Flask
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/profile",
        {
            "display_name": "Noor",
            "locale": "nl",
            "time_zone": "Europe/Brussels",
            "digest_frequency": "daily",
            "platforms": ["tiktok", "instagram"],
            "languages": ["nl", "tr"],
            "comfortable_actions": ["report_platform", "support_target_private"],
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    saved = member_row(app, member.email)
    assert saved is not None
    assert saved.display_name == "Noor" and saved.locale == "nl"
    assert saved.time_zone == "Europe/Brussels"
    assert saved.digest_frequency == DigestFrequency.DAILY
    assert saved.platforms == ["instagram", "tiktok"]
    assert saved.languages == ["nl", "tr"]
    assert saved.comfortable_actions == ["support_target_private", "report_platform"]

    markup = client.get("/profile").get_data(as_text=True)
    assert 'class="flash flash-success"' in markup
    assert '<html lang="nl">' in markup, "the page now speaks the chosen language"
    assert re.search(r'<input checked[^>]*value="tiktok"', markup)
    assert not re.search(r'<input checked[^>]*value="youtube"', markup)


def test_unticking_every_box_clears_the_choices(
    submit: Any, create_member: Any, log_in: Any, app: Flask
) -> None:
    member = create_member(platforms=["x"], languages=["en"], comfortable_actions=["enlist_help"])
    log_in(member)
    submit(
        "/profile",
        {
            "display_name": member.display_name,
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "digest_frequency": "off",
        },
    )
    saved = member_row(app, member.email)
    assert saved is not None
    assert saved.platforms == [] and saved.languages == [] and saved.comfortable_actions == []
    assert saved.digest_frequency == DigestFrequency.OFF


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"digest_frequency": "hourly"}, "digest_frequency"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_invalid_preferences_are_refused(
    submit: Any, create_member: Any, log_in: Any, app: Flask, change: dict[str, Any], field: str
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/profile",
        {
            "display_name": "Changed",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "digest_frequency": "weekly",
            **change,
        },
    )
    assert response.status_code == 200
    assert field_error(response, field)
    saved = member_row(app, member.email)
    assert saved is not None and saved.display_name == member.display_name, "nothing saved"


# --- password --------------------------------------------------------------------------------


def test_member_changes_the_password(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/profile/password",
        {"current_password": member.password, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert client.get("/profile").status_code == 200

    submit("/", {}, action="/logout")
    old = submit("/login", {"email": member.email, "password": member.password})
    assert "Email address or password is incorrect." in text_of(old)
    new = submit("/login", {"email": member.email, "password": "a brand new passphrase"})
    assert new.status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "field", "problem"),
    [
        ("not-my-password", "a brand new passphrase", "current_password", "incorrect"),
        (None, "qwertyuiop", "new_password", "too common"),
        (None, "short", "new_password", "at least 10"),
    ],
)
def test_password_change_is_refused_with_the_problem_named(
    submit: Any,
    create_member: Any,
    log_in: Any,
    current: str | None,
    new: str,
    field: str,
    problem: str,
) -> None:
    member = create_member()
    log_in(member)
    response = submit(
        "/profile/password",
        {"current_password": current or member.password, "new_password": new},
    )
    assert response.status_code == 200
    assert problem in field_error(response, field)
    submit("/", {}, action="/logout")
    assert submit("/login", {"email": member.email, "password": member.password}).status_code == 302


# --- deleting the account ---------------------------------------------------------------------


def test_deleting_needs_the_password_and_the_tick(
    client: FlaskClient, submit: Any, create_member: Any, log_in: Any, app: Flask
) -> None:
    member = create_member()
    log_in(member)
    wrong = submit("/profile/delete", {"password": "not-my-password", "confirm": "y"})
    assert wrong.status_code == 200
    assert field_error(wrong, "password") == "Your password is incorrect."
    unticked = submit("/profile/delete", {"password": member.password})
    assert unticked.status_code == 200
    assert field_error(unticked, "confirm") == "Tick the box to confirm."
    assert member_row(app, member.email) is not None
    assert client.get("/profile").status_code == 200


def test_deleting_the_account_erases_the_member_their_memberships_and_tokens(
    client: FlaskClient,
    submit: Any,
    create_member: Any,
    create_token: Any,
    log_in: Any,
    api_as: Any,
    app: Flask,
) -> None:
    member, friend = create_member(), create_member()
    token = create_token(member)
    shared = api_as(member, "POST", "/api/v1/teams", json={"name": "Club"}).get_json()
    api_as(
        friend,
        "POST",
        f"/api/v1/teams/{shared['id']}/members",
        json={"invite_code": shared["invite_code"]},
    )
    alone = api_as(member, "POST", "/api/v1/teams", json={"name": "Just me"}).get_json()

    log_in(member)
    response = submit("/profile/delete", {"password": member.password, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your account has been deleted." in text_of(client.get("/"))

    with app.app_context():
        assert db.session.get(Member, member.id) is None
        assert not db.session.scalars(
            sa.select(TeamMembership).where(TeamMembership.member_id == member.id)
        ).all()
        assert not db.session.scalars(
            sa.select(AccessToken).where(AccessToken.member_id == member.id)
        ).all()
        assert db.session.get(Team, alone["id"]) is None, "a team nobody is in is removed"
        remaining = db.session.scalars(
            sa.select(TeamMembership).where(TeamMembership.team_id == shared["id"])
        ).all()
        assert [(m.member_id, m.role) for m in remaining] == [(friend.id, TeamRole.OWNER)]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/profile").status_code == 302
    again = submit("/login", {"email": member.email, "password": member.password})
    assert "Email address or password is incorrect." in text_of(again)

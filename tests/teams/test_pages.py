"""The team pages as members use them: create, share the code, join, see who is in, leave."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MemberHandle, csrf_token_from


def text_of(response: Any) -> str:
    markup = response.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def invite_code_on(response: Any) -> str:
    match = re.search(r'<code id="invite-code">([^<]+)</code>', response.get_data(as_text=True))
    assert match, "no invite code on the page"
    return match.group(1)


def browser_of(app: Flask, member: MemberHandle) -> FlaskClient:
    """Return a browser in which the member is logged in."""
    browser = app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"csrf_token": token, "email": member.email, "password": member.password}
    )
    assert response.status_code == 302
    return browser


def send_form(browser: FlaskClient, prefix: str, action: str, fields: dict[str, str]) -> Any:
    """Fill in one of the two forms on /teams/ (their fields carry a prefix) and send it."""
    token = csrf_token_from(browser.get("/teams/").get_data(as_text=True))
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return browser.post(action, data={f"{prefix}-csrf_token": token, **data})


def create_team(browser: FlaskClient, name: str, description: str = "") -> Any:
    return send_form(browser, "create", "/teams/", {"name": name, "description": description})


def join_team(browser: FlaskClient, code: str) -> Any:
    return send_form(browser, "join", "/teams/join", {"invite_code": code})


def test_without_a_team_the_page_says_how_to_start(app: Flask, create_member: Any) -> None:
    page = browser_of(app, create_member()).get("/teams/")
    assert page.status_code == 200
    assert "You are not in a team yet. Create one, or join one with an invite code." in text_of(
        page
    )


def test_member_creates_a_team_and_sees_its_invite_code(app: Flask, create_member: Any) -> None:
    owner = create_member(display_name="Sam")
    browser = browser_of(app, owner)
    created = create_team(browser, "Class 4B", "Our class, looking out for each other.")
    assert created.status_code == 302
    team_page = browser.get(created.headers["Location"])
    assert team_page.status_code == 200
    page = text_of(team_page)
    assert "Team created. Share the invite code with the people you trust." in page
    assert "Class 4B" in page and "Our class, looking out for each other." in page
    assert re.fullmatch(r"[A-Z2-9]{10}", invite_code_on(team_page))
    assert "Sam (owner)" in page

    listing = text_of(browser.get("/teams/"))
    assert "Class 4B" in listing and "1 member" in listing
    assert "You are not in a team yet" not in listing


def test_a_team_needs_a_name(app: Flask, create_member: Any) -> None:
    browser = browser_of(app, create_member())
    response = create_team(browser, "   ")
    assert response.status_code == 200
    assert "You are not in a team yet" in text_of(response)
    assert 'id="create-name-error"' in response.get_data(as_text=True)


def test_second_member_joins_with_the_code_in_any_case_and_sees_names_only(
    app: Flask, create_member: Any
) -> None:
    owner = create_member(display_name="Sam", email="sam.private@example.org")
    friend = create_member(display_name="Noor", email="noor.private@example.org")
    owner_browser = browser_of(app, owner)
    team_url = create_team(owner_browser, "Class 4B").headers["Location"]
    code = invite_code_on(owner_browser.get(team_url))

    friend_browser = browser_of(app, friend)
    assert friend_browser.get(team_url).status_code == 404, "not a member yet"
    joined = join_team(friend_browser, f" {code[:5].lower()}-{code[5:].lower()} ")
    assert joined.status_code == 302 and joined.headers["Location"] == team_url
    assert "You joined Class 4B." in text_of(friend_browser.get(team_url))

    for browser in (friend_browser, owner_browser):
        page = browser.get(team_url)
        assert page.status_code == 200
        text = text_of(page)
        assert "Sam (owner)" in text and "Noor" in text
        markup = page.get_data(as_text=True)
        assert "sam.private" not in markup and "noor.private" not in markup
        assert "@example.org" not in markup, "email addresses are never shown to other members"
    assert "2 members" in text_of(owner_browser.get("/teams/"))


def test_joining_twice_changes_nothing(app: Flask, create_member: Any) -> None:
    owner_browser = browser_of(app, create_member())
    team_url = create_team(owner_browser, "Club").headers["Location"]
    code = invite_code_on(owner_browser.get(team_url))
    friend_browser = browser_of(app, create_member())
    join_team(friend_browser, code)
    assert join_team(friend_browser, code).status_code == 302
    assert "2 members" in text_of(owner_browser.get("/teams/"))


def test_a_wrong_code_is_refused_on_the_form(app: Flask, create_member: Any) -> None:
    browser = browser_of(app, create_member())
    response = join_team(browser, "NOTACODE99")
    assert response.status_code == 200
    assert "This invite code is not valid." in text_of(response)
    markup = response.get_data(as_text=True)
    assert re.search(r'name="join-invite_code"[^>]*value="NOTACODE99"', markup)


def test_member_leaves_after_confirming(app: Flask, create_member: Any) -> None:
    owner = create_member(display_name="Sam")
    friend = create_member(display_name="Noor")
    owner_browser = browser_of(app, owner)
    team_url = create_team(owner_browser, "Club").headers["Location"]
    friend_browser = browser_of(app, friend)
    join_team(friend_browser, invite_code_on(owner_browser.get(team_url)))

    confirm = friend_browser.get(team_url + "/leave")
    assert confirm.status_code == 200
    assert "Leave Club?" in text_of(confirm)
    assert "Noor" in text_of(owner_browser.get(team_url)), "showing the question changes nothing"

    left = friend_browser.post(
        team_url + "/leave", data={"csrf_token": csrf_token_from(confirm.get_data(as_text=True))}
    )
    assert left.status_code == 302 and left.headers["Location"] == "/teams/"
    listing = text_of(friend_browser.get("/teams/"))
    assert "You left Club." in listing and "You are not in a team yet" in listing
    assert friend_browser.get(team_url).status_code == 404
    assert "Noor" not in text_of(owner_browser.get(team_url))


def test_last_member_leaving_removes_the_team(app: Flask, create_member: Any) -> None:
    browser = browser_of(app, create_member())
    team_url = create_team(browser, "Solo").headers["Location"]
    code = invite_code_on(browser.get(team_url))
    confirm = browser.get(team_url + "/leave")
    browser.post(
        team_url + "/leave", data={"csrf_token": csrf_token_from(confirm.get_data(as_text=True))}
    )
    assert "This invite code is not valid." in text_of(join_team(browser, code))


def test_a_team_does_not_exist_for_non_members(app: Flask, create_member: Any) -> None:
    owner_browser = browser_of(app, create_member())
    team_url = create_team(owner_browser, "Private circle").headers["Location"]
    stranger = browser_of(app, create_member())
    for url in (team_url, team_url + "/leave", "/teams/999999"):
        response = stranger.get(url)
        assert response.status_code == 404, url
        assert "Private circle" not in response.get_data(as_text=True)
    token = csrf_token_from(stranger.get("/teams/").get_data(as_text=True))
    assert stranger.post(team_url + "/leave", data={"csrf_token": token}).status_code == 404
    assert "1 member" in text_of(owner_browser.get("/teams/"))

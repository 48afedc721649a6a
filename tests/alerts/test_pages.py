"""Alert pages: post with the severity guide, review queue, warning page, flags, resolve."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.alerts.models import Alert, AlertStatus
from network.extensions import db
from network.moderation.models import AuditEntry

FORM = {
    "url": "https://www.tiktok.com/@someone/video/123?is_from_webapp=1",
    "category": "shaming",
    "severity": "2",
    "summary": "A video mocking the body of a classmate, hundreds of laughing comments.",
    "language": "nl",
    "responder_goal": "3",
}


def stored(app: Flask) -> list[Alert]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Alert)))


def test_post_page_shows_the_severity_guide(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    page = client.get("/alerts/new").get_data(as_text=True)
    assert "Severity guide" in page
    for level in ("Unkind", "Hurtful", "Severe", "Dangerous"):
        assert level in page
    assert "112" in page, "the guide says when to go to the police"


def test_new_member_posts_an_alert_that_waits_for_review(
    app: Flask, client: FlaskClient, submit: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    response = submit("/alerts/new", FORM)
    assert response.status_code == 302
    [alert] = stored(app)
    assert alert.status == AlertStatus.PENDING_REVIEW
    assert alert.canonical_url == "https://tiktok.com/@/video/123"  # the video id names it
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for review" in page


def test_bad_input_re_shows_the_form_naming_the_problem(
    app: Flask, submit: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    response = submit(
        "/alerts/new",
        {**FORM, "url": "javascript:alert(1)", "summary": "Call her on 06 12345678 please"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Only http and https links can be posted." in page
    assert "Remove the phone number" in page
    assert 'value="javascript:alert(1)"' in page, "what was typed is kept"
    assert stored(app) == []


def test_organiser_approves_from_the_queue_and_it_is_audited(
    app: Flask, client: FlaskClient, submit: Any, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    submit("/alerts/new", FORM)
    [alert] = stored(app)
    client.post("/logout", data={"csrf_token": _token(client, "/alerts/")})
    organiser = create_member(role="organiser")
    log_in(organiser)
    queue = client.get("/review/").get_data(as_text=True)
    assert FORM["summary"] in queue
    done = submit("/review/", {"decision": "approve", "reason": "ok"}, action=f"/review/{alert.id}")
    assert done.status_code == 302
    assert stored(app)[0].status == AlertStatus.OPEN
    log_page = client.get("/review/audit").get_data(as_text=True)
    assert "Alert approved" in log_page and organiser.display_name in log_page
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEntry.actor_id).where(AuditEntry.action == "alert.approved")
            )
            == organiser.id
        )


def test_review_queue_is_for_reviewers_and_the_rest_for_organisers(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member(trust_level=2))
    for path in ("/review/", "/review/audit", "/review/members"):
        assert client.get(path).status_code == 403
    client.post("/logout", data={"csrf_token": _token(client, "/alerts/")})
    log_in(create_member(trust_level=3))
    assert client.get("/review/").status_code == 200
    for path in ("/review/audit", "/review/members"):
        assert client.get(path).status_code == 403


def test_warning_page_links_out_safely_and_never_embeds(
    client: FlaskClient, api_as: Any, create_member: Any, log_in: Any
) -> None:
    reporter = create_member(trust_level=1)
    alert = api_as(
        reporter,
        "POST",
        "/api/v1/alerts",
        json={
            "url": "https://x.com/troll/status/1",
            "category": "hate",
            "severity": 3,
            "summary": "Racist replies under a news post.",
        },
    ).get_json()
    log_in(create_member())
    detail = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert 'href="https://x.com/troll/status/1"' not in detail, "the link is only on the warning"
    warning = client.get(f"/alerts/{alert['id']}/visit")
    assert warning.headers["Referrer-Policy"] == "no-referrer"
    page = warning.get_data(as_text=True)
    link = re.search(r'<a [^>]*href="https://x.com/troll/status/1"[^>]*>', page)
    assert link, "the warning page offers the link"
    assert 'rel="noopener noreferrer nofollow"' in link.group(0)
    assert "<iframe" not in page and "<img" not in page


def test_member_flags_and_reporter_resolves_through_the_pages(
    app: Flask,
    client: FlaskClient,
    api_as: Any,
    submit: Any,
    create_member: Any,
    log_in: Any,
) -> None:
    reporter = create_member(trust_level=1)
    alert = api_as(
        reporter,
        "POST",
        "/api/v1/alerts",
        json={
            "url": "https://reddit.com/r/a/comments/9",
            "category": "exclusion",
            "severity": 1,
            "summary": "A thread shutting one kid out.",
        },
    ).get_json()
    flagger = create_member(trust_level=1)
    log_in(flagger)
    flagged = submit(
        f"/alerts/{alert['id']}", {"reason": "misleading"}, action=f"/alerts/{alert['id']}/flag"
    )
    assert flagged.status_code == 302
    client.post("/logout", data={"csrf_token": _token(client, "/alerts/")})
    log_in(reporter)
    resolved = submit(
        f"/alerts/{alert['id']}",
        {"outcome": "content_removed"},
        action=f"/alerts/{alert['id']}/resolve",
    )
    assert resolved.status_code == 302
    [stored_alert] = stored(app)
    assert stored_alert.status == AlertStatus.RESOLVED


def test_alert_list_has_an_empty_state_and_filters(
    client: FlaskClient, create_member: Any, log_in: Any, api_as: Any
) -> None:
    log_in(create_member())
    assert "No alerts match right now" in client.get("/alerts/").get_data(as_text=True)
    poster = create_member(trust_level=1)
    api_as(
        poster,
        "POST",
        "/api/v1/alerts",
        json={
            "url": "https://www.twitch.tv/a",
            "category": "sexual_harassment",
            "severity": 3,
            "summary": "Chat harassing a streamer.",
        },
    )
    listed = client.get("/alerts/").get_data(as_text=True)
    assert "Chat harassing a streamer." in listed
    filtered = client.get("/alerts/?platform=youtube").get_data(as_text=True)
    assert "Chat harassing a streamer." not in filtered


def _token(client: FlaskClient, page: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get(page).get_data(as_text=True))

"""Campaign mail: a one-click way out, members who opted out are skipped, and a launch whose
mail fails says so to the organiser instead of sending nothing in silence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.campaigns.models import Campaign, CampaignMember
from network.db import utcnow
from network.extensions import db
from tests.campaigns.test_campaigns import campaign_body, organiser
from tests.digests.conftest import Sink, mail_to, smtp_sink
from tests.harness import free_port
from tests.world import change_settings

__all__ = ["mail_to", "organiser", "smtp_sink"]

Api = Callable[..., Any]

HEADER_BREAKERS = [
    "Kind\nwords",
    "Kind\r\nBcc: everyone@example.org",
    "Kind\rwords",
    "Kind\twords",
    "Kind\u2028words",
    "Kind\u2029words",
    "Kind\x0bwords",
    "Kind\x1fwords",
    "Kind\x85words",
]


def launched(api_as: Api, organiser: Any, **changes: Any) -> dict[str, Any]:
    body = campaign_body(notify_by_email=True, **changes)
    draft = api_as(organiser, "POST", "/api/v1/campaigns", json=body)
    assert draft.status_code == 201, draft.get_data(as_text=True)
    answer = api_as(organiser, "POST", f"/api/v1/campaigns/{draft.get_json()['id']}/launch")
    assert answer.status_code == 200
    campaign: dict[str, Any] = answer.get_json()
    return campaign


def announce(app: Flask, campaign_id: int) -> int:
    from network.tasks.campaigns import announce_launch

    with app.test_request_context():
        return int(announce_launch.run(campaign_id))


def campaign_mail_of(app: Flask, member_id: int) -> bool:
    with app.app_context():
        member = db.session.get(Member, member_id)
        assert member is not None
        return member.campaign_mail


@pytest.mark.parametrize("title", HEADER_BREAKERS)
def test_a_title_that_would_break_a_mail_header_is_refused_naming_the_field(
    api_as: Api, organiser: Any, title: str
) -> None:
    created = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body(title=title))
    assert created.status_code == 422, created.get_data(as_text=True)
    assert "title" in created.get_json()["error"]["fields"]
    hashtag = api_as(
        organiser, "POST", "/api/v1/campaigns", json=campaign_body(hashtag=f"#{title}")
    )
    assert hashtag.status_code == 422
    assert "hashtag" in hashtag.get_json()["error"]["fields"]


@pytest.mark.parametrize("title", ["Kind words", "Samen sterk 💪", "Week #3 — لطف", "Ça va?"])
def test_ordinary_titles_pass(api_as: Api, organiser: Any, title: str) -> None:
    created = api_as(organiser, "POST", "/api/v1/campaigns", json=campaign_body(title=title))
    assert created.status_code == 201, created.get_data(as_text=True)


def test_the_campaign_form_refuses_a_title_with_a_line_break(
    client: FlaskClient, submit: Any, organiser: Any, log_in: Any
) -> None:
    log_in(organiser)
    now = utcnow()
    answer = submit(
        "/campaigns/new",
        {
            "title": "Kind\r\nwords",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "goal": "10",
        },
    )
    assert answer.status_code == 200
    assert "Use a single line here" in answer.get_data(as_text=True)


def test_launch_and_reminder_mail_carry_a_one_click_unsubscribe_that_works(
    app: Flask,
    api_as: Api,
    client: FlaskClient,
    organiser: Any,
    create_member: Any,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    reader = create_member()
    campaign = launched(api_as, organiser)
    announce(app, campaign["id"])
    (message,) = sink.to(reader.email)
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith("http://localhost/campaigns/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert isinstance(message, EmailMessage)
    for part in ("plain", "html"):
        body = message.get_body(preferencelist=(part,))
        assert body is not None and link in body.get_content()

    path = link.removeprefix("http://localhost")
    assert "Stop campaign emails?" in client.get(path).get_data(as_text=True)
    assert campaign_mail_of(app, reader.id), "looking at the page changes nothing"
    # RFC 8058: the mail client posts the one-click body, without a session or CSRF token.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not campaign_mail_of(app, reader.id)
    assert client.post(path[:-3] + "xyz").status_code == 400, "a damaged link does nothing"

    # Opted out: neither the next launch nor a reminder reaches them; others still get mail.
    api_as(reader, "POST", f"/api/v1/campaigns/{campaign['id']}/members")
    other = create_member()
    api_as(other, "POST", f"/api/v1/campaigns/{campaign['id']}/members")
    with app.app_context():
        db.session.execute(
            sa.update(CampaignMember)
            .where(CampaignMember.campaign_id == campaign["id"])
            .values(joined_at=utcnow() - timedelta(days=5))
        )
        db.session.commit()
    second = launched(api_as, organiser, title="Second")
    announce(app, second["id"])
    from network.tasks.campaigns import remind

    with app.test_request_context():
        remind.run()
    assert len(sink.to(reader.email)) == 1
    subjects = [str(m["Subject"]) for m in sink.to(other.email)]
    assert "New campaign: Second" in subjects
    assert any("needs you" in subject for subject in subjects), "the reminder"
    reminder = next(m for m in sink.to(other.email) if "needs you" in str(m["Subject"]))
    assert "/campaigns/unsubscribe/" in str(reminder["List-Unsubscribe"])


def test_the_profile_turns_campaign_mail_back_on(
    app: Flask, api_as: Api, submit: Any, create_member: Any, log_in: Any, client: FlaskClient
) -> None:
    member = create_member()
    assert api_as(member, "PATCH", "/api/v1/me", json={"campaign_mail": False}).status_code == 200
    assert not campaign_mail_of(app, member.id)
    log_in(member)
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="campaign_mail"' in page
    form = {
        "display_name": member.display_name,
        "locale": "en",
        "time_zone": "Europe/Amsterdam",
        "digest_frequency": "weekly",
        "campaign_mail": "y",
    }
    assert submit("/profile", form).status_code == 302
    assert campaign_mail_of(app, member.id)
    me = api_as(member, "GET", "/api/v1/me").get_json()
    assert me["campaign_mail"] is True


def test_the_organiser_sees_how_the_launch_mail_went(
    app: Flask,
    api_as: Api,
    client: FlaskClient,
    organiser: Any,
    create_member: Any,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
    log_in: Any,
) -> None:
    create_member(), create_member()
    with app.app_context():
        wanting = db.session.scalar(
            sa.select(sa.func.count()).select_from(Member).where(Member.campaign_mail.is_(True))
        )
    sink = smtp_sink(refuse=1)
    mail_to(sink)
    campaign = launched(api_as, organiser)
    log_in(organiser)
    before = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "Launch mail: not sent yet." in before
    assert announce(app, campaign["id"]) == wanting - 1
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert f"Launch mail: sent to {wanting - 1}, failed 1." in page
    seen = api_as(organiser, "GET", f"/api/v1/campaigns/{campaign['id']}").get_json()
    assert seen["launch_mail"] == {"sent": wanting - 1, "failed": 1, "error": None}
    member_view = api_as(create_member(), "GET", f"/api/v1/campaigns/{campaign['id']}").get_json()
    assert member_view["launch_mail"] is None, "for organisers"


def test_a_launch_with_no_mail_server_is_reported_as_failed_not_silent(
    app: Flask,
    api_as: Api,
    client: FlaskClient,
    organiser: Any,
    create_member: Any,
    monkeypatch: pytest.MonkeyPatch,
    log_in: Any,
) -> None:
    create_member()
    change_settings(monkeypatch, app, smtp_host="127.0.0.1")
    change_settings(monkeypatch, app, smtp_port=free_port())  # nothing listens there
    campaign = launched(api_as, organiser)
    assert announce(app, campaign["id"]) == 0
    log_in(organiser)
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "Launch mail: sent to 0, failed" in page
    assert "failed 0." not in page


def test_a_title_stored_before_the_check_is_folded_into_one_header_line(
    app: Flask,
    api_as: Api,
    organiser: Any,
    create_member: Any,
    smtp_sink: Callable[..., Sink],
    mail_to: Callable[[Sink], None],
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    reader = create_member()
    campaign = launched(api_as, organiser)
    with app.app_context():
        db.session.execute(
            sa.update(Campaign)
            .where(Campaign.id == campaign["id"])
            .values(title="Kind\r\nBcc: everyone@example.org")
        )
        db.session.commit()
    assert announce(app, campaign["id"]) >= 1
    (message,) = sink.to(reader.email)
    assert message["Subject"] == "New campaign: Kind Bcc: everyone@example.org"
    assert message["Bcc"] is None

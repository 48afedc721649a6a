"""Email verification: a link on sign-up, no other mail to unverified addresses, address changes."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from network.accounts.models import Member
from network.db import utcnow
from network.extensions import db
from network.mail import Mailer, UnverifiedRecipient, build_message
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import csrf_token_from

JOIN = {
    "email": "Nina@Example.org",
    "password": "stand up for each other",
    "display_name": "Nina",
    "locale": "en",
    "time_zone": "Europe/Amsterdam",
    "pledge_accepted": "y",
}


def verified_at(app: Flask, email: str) -> Any:
    with app.app_context():
        return db.session.scalar(
            sa.select(Member.email_verified_at).where(Member.email == email.lower())
        )


def join(app: Flask, **changes: str) -> Any:
    browser = app.test_client()
    token = csrf_token_from(browser.get("/join").get_data(as_text=True))
    return browser.post("/join", data={"csrf_token": token, **JOIN, **changes})


def test_joining_mails_a_link_that_confirms_the_address(
    app: Flask, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    assert join(app).status_code == 302
    assert verified_at(app, "nina@example.org") is None
    [mail] = mails_to(sink, "nina@example.org")
    assert mail["Subject"] == "Confirm your email address"
    assert "Hello Nina," in body_of(mail)
    answer = app.test_client().get(link_in(mail, "/verify-email/"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert verified_at(app, "nina@example.org") is not None


def test_a_verification_link_for_an_address_no_longer_in_use_does_nothing(
    app: Flask, create_member: Any
) -> None:
    from network.accounts import links

    member = create_member(verified=False)
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        token = links.verification_token(row)
        row.email = "elsewhere@example.org"
        db.session.commit()
    app.test_client().get(f"/verify-email/{token}")
    assert verified_at(app, "elsewhere@example.org") is None


def test_the_profile_can_send_the_link_again(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member(verified=False)
    log_in(member)
    profile = client.get("/profile").get_data(as_text=True)
    assert "not confirmed yet" in profile and "Send the link again" in profile
    answer = client.post("/profile/verify-email", data={"csrf_token": csrf_token_from(profile)})
    assert answer.status_code == 302
    [mail] = mails_to(sink, member.email)
    assert client.get(link_in(mail, "/verify-email/")).headers["Location"] == "/profile"
    assert "not confirmed yet" not in client.get("/profile").get_data(as_text=True)


# --- the one gate every sender passes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipient", "account_mail", "sent"),
    [
        ("verified", False, True),
        ("verified", True, True),
        ("unverified", False, False),
        ("unverified", True, True),
        ("stranger", False, False),  # an address no member has: nobody verified it
        ("stranger", True, True),
    ],
)
def test_only_account_mail_goes_to_an_unverified_address(
    app: Flask,
    create_member: Any,
    smtp_sink: Any,
    mail_to: Any,
    recipient: str,
    account_mail: bool,
    sent: bool,
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    addresses = {
        "verified": create_member().email,
        "unverified": create_member(verified=False).email,
        "stranger": "stranger@example.org",
    }
    to = addresses[recipient]
    with app.test_request_context():
        message = build_message(
            to=to, subject="Hello", text="Hello", html="<p>Hello</p>", message_id="<m@localhost>"
        )
        with Mailer() as mailer:
            if sent:
                mailer.send(message, account_mail=account_mail)
            else:
                with pytest.raises(UnverifiedRecipient):
                    mailer.send(message, account_mail=account_mail)
    assert len(sink.to(to)) == (1 if sent else 0)


def test_a_campaign_launch_mails_only_verified_members(
    app: Flask, create_member: Any, api_as: Any, smtp_sink: Any, mail_to: Any
) -> None:
    from network.tasks.campaigns import announce_launch

    sink = smtp_sink()
    mail_to(sink)
    organiser = create_member(role="organiser")
    verified, unverified = create_member(), create_member(verified=False)
    draft = api_as(
        organiser,
        "POST",
        "/api/v1/campaigns",
        json={
            "title": "Kindness week",
            "starts_at": "2030-03-01T09:00:00+01:00",
            "ends_at": "2030-03-08T09:00:00+01:00",
            "goal": 20,
        },
    ).get_json()
    from network.campaigns.models import Campaign, CampaignStatus

    with app.app_context():
        campaign = db.session.get(Campaign, draft["id"])
        assert campaign is not None
        campaign.status = CampaignStatus.LIVE
        db.session.commit()
        sent = announce_launch.run(draft["id"])
    assert sent == 2, "the organiser and the verified member"
    assert len(sink.to(verified.email)) == 1
    assert sink.to(unverified.email) == []


def test_digests_are_not_due_for_unverified_members(app: Flask, create_member: Any) -> None:
    from datetime import timedelta

    from network.digests.services import due_batches

    verified, unverified = create_member(), create_member(verified=False)
    with app.app_context():
        for member_id in (verified.id, unverified.id):
            row = db.session.get(Member, member_id)
            assert row is not None
            row.digest_frequency = "daily"  # type: ignore[assignment]
            row.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        due = {member_id for batch in due_batches() for member_id in batch.member_ids}
    assert verified.id in due and unverified.id not in due


# --- changing the address ------------------------------------------------------------------------


def ask_to_change(client: FlaskClient, new_email: str, password: str) -> Any:
    token = csrf_token_from(client.get("/profile/email").get_data(as_text=True))
    return client.post(
        "/profile/email", data={"csrf_token": token, "new_email": new_email, "password": password}
    )


def test_a_new_address_is_used_once_its_mailed_link_is_followed(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    log_in(member)
    assert ask_to_change(client, "Nina.New@Example.org", member.password).status_code == 302
    assert verified_at(app, member.email) is not None, "the old address stays until confirmed"
    [mail] = mails_to(sink, "nina.new@example.org")
    assert mail["Subject"] == "Confirm your new email address"
    assert client.get(link_in(mail, "/profile/email/")).headers["Location"] == "/profile"
    assert verified_at(app, "nina.new@example.org") is not None
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None and row.email == "nina.new@example.org"


def test_changing_the_address_needs_the_password(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    member = create_member()
    log_in(member)
    answer = ask_to_change(client, "new@example.org", "not the password")
    assert answer.status_code == 200
    assert "Your password is incorrect." in answer.get_data(as_text=True)


def test_changing_to_a_taken_address_answers_alike_and_tells_its_owner(
    app: Flask, create_member: Any, log_in: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    owner, member = create_member(), create_member()
    answers = []
    for new_email in (owner.email, "free@example.org"):
        browser = app.test_client()
        csrf = csrf_token_from(browser.get("/login").get_data(as_text=True))
        browser.post(
            "/login", data={"csrf_token": csrf, "email": member.email, "password": member.password}
        )
        answer = ask_to_change(browser, new_email, member.password)
        answers.append((answer.status_code, answer.headers.get("Location")))
    assert answers[0] == answers[1]
    [notice] = mails_to(sink, owner.email)
    assert "Someone just tried to use your email address" in body_of(notice)
    mails_to(sink, "free@example.org")
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None and row.email == member.email


def test_a_change_link_dies_when_the_password_changes(
    app: Flask, client: FlaskClient, create_member: Any, log_in: Any, smtp_sink: Any, mail_to: Any
) -> None:
    from network.accounts import services

    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    log_in(member)
    ask_to_change(client, "later@example.org", member.password)
    [mail] = mails_to(sink, "later@example.org")
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        services.change_password(
            row, current_password=member.password, new_password="another long password here"
        )
    app.test_client().get(link_in(mail, "/profile/email/"))
    assert verified_at(app, "later@example.org") is None


def test_staff_made_with_the_cli_and_demo_members_count_as_verified(app: Flask) -> None:
    from network.accounts import services
    from network.accounts.models import Role
    from network.demo import DEMO_PEOPLE, seed_demo_data

    with app.test_request_context():
        services.create_staff(
            email="cli-staff@example.org",
            password="organise the upstanders",
            display_name="Chris",
            role=Role.ORGANISER,
        )
        list(seed_demo_data())
    for email in ["cli-staff@example.org", *(person[0] for person in DEMO_PEOPLE)]:
        assert verified_at(app, email) is not None, email


def test_test_members_are_verified_unless_asked_otherwise(app: Flask, create_member: Any) -> None:
    assert verified_at(app, create_member().email) is not None
    assert verified_at(app, create_member(verified=False).email) is None

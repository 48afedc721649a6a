"""One address, one form: look-alike spellings of a mailbox are one account and one mail allowance.

The API's EmailStr rewrites the domain (IDNA: full-width letters, ideographic full stops, case);
every door -- forms, schemas, log-in, the limiters -- uses the same rule, so no spelling of a
registered address makes a second account or a fresh allowance of mail to it. Also: each request
that mails an address is counted against the address it actually mails, and an address change is
told to the old address.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.accounts import recovery
from network.accounts.addresses import normalise_email
from network.accounts.models import Member, MemberStatus
from network.errors import Forbidden
from network.extensions import db
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import csrf_token_from

MAIL_LIMIT = 3  # ACCOUNT_MAIL_LIMIT_PER_ADDRESS: 3 per hour
PASSWORD = "stand up for each other"
_clients = count(1)
_mailboxes = count(1)

# Characters that IDNA (UTS 46) maps onto ASCII in a domain.
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(ord("a"), ord("z") + 1)}
DOTS = [".", "\u3002", "\uff0e", "\uff61"]  # full stop, ideographic, full-width, half-width


@st.composite
def look_alikes(draw: st.DrawFn, domain: str = "example.org") -> str:
    """A spelling of `domain` that names the same host: case, full-width letters, other dots."""
    spelled = []
    for character in domain:
        if character == ".":
            spelled.append(draw(st.sampled_from(DOTS)))
        else:
            spelled.append(
                draw(st.sampled_from([character, character.upper(), FULL_WIDTH[character]]))
            )
    return "".join(spelled)


@pytest.mark.parametrize(
    "spelled",
    [
        "victim@example.org",
        "Victim@EXAMPLE.org",
        "  victim@example.org ",
        "victim@\uff45xample.org",
        "victim@e\uff58ample.org",
        "victim@\uff45\uff58ample.org",
        "victim@example\u3002org",
        "victim@example\uff0eorg",
        "victim@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.\uff2f\uff32\uff27",
    ],
)
def test_look_alike_spellings_normalise_to_one_address(spelled: str) -> None:
    assert normalise_email(spelled) == "victim@example.org"


def test_an_idna_domain_has_one_form_whether_written_in_unicode_or_punycode() -> None:
    assert normalise_email("nina@xn--bcher-kva.de") == normalise_email("Nina@B\u00fccher.de")


@given(domain=look_alikes())
def test_every_look_alike_domain_normalises_like_the_plain_one(domain: str) -> None:
    assert normalise_email(f"Victim@{domain}") == "victim@example.org"


@given(text=st.text(max_size=300))
def test_normalising_never_raises_and_is_idempotent(text: str) -> None:
    once = normalise_email(text)
    assert normalise_email(once) == once


# --- the doors that mail an address --------------------------------------------------------------


def browser(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.70.{next(_clients) % 250}.{next(_clients) % 250}"
    return client


def page_post(client: FlaskClient, page: str, data: dict[str, Any], action: str = "") -> Any:
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **data})


def join_page(app: Flask, address: str) -> Any:
    return page_post(
        browser(app),
        "/join",
        {
            "email": address,
            "password": PASSWORD,
            "display_name": "Someone Else",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "pledge_accepted": "y",
        },
    )


def join_api(app: Flask, address: str) -> Any:
    return browser(app).post(
        "/api/v1/members",
        json={
            "email": address,
            "password": PASSWORD,
            "display_name": "Someone Else",
            "pledge_accepted": True,
        },
    )


def forgot_page(app: Flask, address: str) -> Any:
    return page_post(browser(app), "/password/forgot", {"email": address})


def reset_api(app: Flask, address: str) -> Any:
    return browser(app).post("/api/v1/password-resets", json={"email": address})


ANONYMOUS_DOORS = {
    "join page": join_page,
    "join API": join_api,
    "forgot page": forgot_page,
    "reset API": reset_api,
}


def members_with(app: Flask, address: str) -> int:
    with app.app_context():
        return len(
            [
                email
                for email in db.session.scalars(sa.select(Member.email))
                if normalise_email(email) == normalise_email(address)
            ]
        )


@pytest.mark.parametrize("door", ["join page", "join API"])
def test_a_look_alike_sign_up_makes_no_second_account_and_tells_the_owner(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any, door: str
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    owner = create_member(email="victim@example.org")
    answer = ANONYMOUS_DOORS[door](app, "victim@\uff45xample\u3002org")
    assert answer.status_code in (202, 302)
    assert members_with(app, owner.email) == 1
    [notice] = mails_to(sink, owner.email)
    assert notice["Subject"] == "Someone tried to use your email address"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    spellings=st.lists(look_alikes(), min_size=MAIL_LIMIT + 1, max_size=MAIL_LIMIT + 3),
    doors=st.lists(st.sampled_from(sorted(ANONYMOUS_DOORS)), min_size=MAIL_LIMIT + 3),
)
def test_look_alikes_never_make_a_second_member_and_share_one_mail_allowance(
    app: Flask, create_member: Any, spellings: list[str], doors: list[str]
) -> None:
    local = f"mailbox{next(_mailboxes)}"
    owner = create_member(email=f"{local}@example.org")
    answers = [
        ANONYMOUS_DOORS[door](app, f"{local}@{domain}").status_code
        for domain, door in zip(spellings, doors, strict=False)
    ]
    assert all(status in (202, 302) for status in answers[:MAIL_LIMIT]), answers
    assert all(status == 429 for status in answers[MAIL_LIMIT:]), answers
    assert members_with(app, owner.email) == 1


def logged_in(app: Flask, member: Any) -> FlaskClient:
    client = browser(app)
    answer = page_post(client, "/login", {"email": member.email, "password": member.password})
    assert answer.status_code == 302
    return client


def test_address_changes_are_counted_against_the_new_address_whatever_else_is_sent(
    app: Flask, create_member: Any
) -> None:
    asker = create_member()
    client = logged_in(app, asker)
    for n in range(MAIL_LIMIT + 1):
        client.environ_base["REMOTE_ADDR"] = f"10.71.{n}.1"
        answer = page_post(
            client,
            "/profile/email",
            {
                "password": asker.password,
                "new_email": "target@\uff45xample.org" if n % 2 else "Target@example.org",
                "email": f"fresh{n}@example.org",  # not the address mailed
            },
        )
        assert answer.status_code == (302 if n < MAIL_LIMIT else 429)
    # The same mailbox through another door is out of allowance too.
    assert reset_api(app, "target@example.org").status_code == 429


def test_sending_the_link_again_is_counted_against_the_members_own_address(
    app: Flask, create_member: Any
) -> None:
    member = create_member(verified=False)
    client = logged_in(app, member)
    for n in range(MAIL_LIMIT + 1):
        client.environ_base["REMOTE_ADDR"] = f"10.72.{n}.1"
        answer = page_post(
            client,
            "/profile",
            {"email": f"fresh{n}@example.org", "new_email": f"other{n}@example.org"},
            action="/profile/verify-email",
        )
        assert answer.status_code == (302 if n < MAIL_LIMIT else 429)
    assert forgot_page(app, member.email).status_code == 429


# --- an address change is told to the old address ------------------------------------------------


def test_an_address_change_is_told_to_the_old_address_when_asked_and_when_done(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    client = logged_in(app, member)
    asked = page_post(
        client, "/profile/email", {"password": member.password, "new_email": "moved@example.org"}
    )
    assert asked.status_code == 302
    [warning] = mails_to(sink, member.email)
    assert warning["Subject"] == "Your email address is about to change"
    assert "/password/reset/" in body_of(warning), "the owner can take the account back"
    [confirm] = mails_to(sink, "moved@example.org")
    assert client.get(link_in(confirm, "/profile/email/")).status_code == 302
    _, done = mails_to(sink, member.email, count=2)
    assert done["Subject"] == "Your email address has changed"
    assert "moved@example.org" not in body_of(done)


def test_a_suspended_member_cannot_ask_for_an_address_change(
    app: Flask, create_member: Any
) -> None:
    member = create_member()
    with app.test_request_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        row.status = MemberStatus.SUSPENDED
        db.session.commit()
        with pytest.raises(Forbidden):
            recovery.request_email_change(
                row, password=member.password, new_email="moved@example.org"
            )


def test_a_change_link_followed_after_a_suspension_changes_nothing(
    app: Flask, create_member: Any, smtp_sink: Any, mail_to: Any
) -> None:
    sink = smtp_sink()
    mail_to(sink)
    member = create_member()
    client = logged_in(app, member)
    page_post(
        client, "/profile/email", {"password": member.password, "new_email": "moved@example.org"}
    )
    [confirm] = mails_to(sink, "moved@example.org")
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None
        row.status = MemberStatus.SUSPENDED
        db.session.commit()
    app.test_client().get(link_in(confirm, "/profile/email/"))
    with app.app_context():
        row = db.session.get(Member, member.id)
        assert row is not None and row.email == member.email

"""A small world of members, alerts and campaigns, and a way to visit it as each role.

The permission matrix and the walk that proves GETs change nothing both use it: one member per
role, logged in (session cookie and CSRF token) and holding a bearer token, and one of each thing
a URL can name. Every visit runs inside a savepoint that is rolled back, so each request meets
the same world, whatever the one before it did.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from network.accounts.models import AccessToken, Member
from network.alerts.services import AlertDraft, post_alert
from network.campaigns.mailing import unsubscribe_token as campaign_mail_token
from network.campaigns.services import (
    CampaignDraft,
    create_campaign,
    join_campaign,
    launch_campaign,
)
from network.coordination.models import Ask, AskAnswer
from network.coordination.services import claim_action
from network.db import utcnow
from network.digests.models import Digest, DigestStatus
from network.digests.unsubscribe import unsubscribe_token
from network.extensions import db, limiter
from network.guidance.services import answer_scenario
from network.learning.models import CheckIn, Experiment, ExperimentStatus
from network.notices.models import Notice
from network.reach.ask_links import help_token
from network.reach.models import GroupChat, PushSubscription
from network.teams.services import create_team, join_team
from network.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from network.webhooks.signing import seal
from tests.conftest import MemberHandle, csrf_token_from

ROLES = ("visitor", "trust0", "trust2", "team_member", "reporter", "organiser", "admin")
SCENARIO = "food-vlog-remark"
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class World:
    """The members by role, how each one is logged in, and the ids that fill URLs."""

    members: dict[str, MemberHandle]
    ids: dict[str, Any]
    cookies: dict[str, str | None] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Visit:
    """What one request answered and which writes it sent to the database."""

    status: int
    location: str
    writes: list[str]
    body: str


# A browser's P-256 public key (base64url, uncompressed point): the generator point.
PUSH_KEY = "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"


def sent_digest_numbers() -> dict[str, Any]:
    """Return the figures of a sent digest, as the digest job stores them."""
    return {
        "network": {
            "active_members": 10,
            "members_acted": 7,
            "share": 0.7,
            "alerts_handled": 3,
            "actions_by_type": {"report_platform": 4},
            "median_minutes_to_first_action": 12.5,
            "goal_reached_share": 0.5,
            "outcomes": {"content_removed": 1},
            "content_removed": 1,
        },
        "teams": [{"name": "Class 4B", "members": 5, "acted": 3}],
        "own_actions": {"report_platform": 1},
        "campaigns": [{"title": "Week against hate", "goal": 10, "done": 7}],
    }


def build_world(app: Flask, create_member: Callable[..., MemberHandle]) -> World:
    """Create the members and the things they act on; the member at trust 2 owns the personal ones.

    - a team, joined by "team_member" (a member of no other team founded it);
    - an open alert reported by "reporter", a pending one reported by "trust0";
    - a live and a draft campaign by "organiser";
    - "trust2" joined the live campaign and has a claimed action, an ask, a digest, a
      practice answer and an unread notice.
    """
    members = {
        "trust0": create_member(trust_level=0),
        "trust2": create_member(trust_level=2),
        "team_member": create_member(trust_level=1),
        "reporter": create_member(trust_level=1),
        "organiser": create_member(role="organiser", trust_level=2),
        "admin": create_member(role="admin", trust_level=2),
    }
    founder = create_member(trust_level=1)
    with app.test_request_context():

        def load(handle: MemberHandle) -> Member:
            member = db.session.get(Member, handle.id)
            assert member is not None
            return member

        team = create_team(load(founder), name="Class 4B")
        join_team(load(members["team_member"]), invite_code=team.invite_code)
        summary = "Dozens of comments mocking a girl for her religion."
        open_alert, _ = post_alert(
            load(members["reporter"]),
            AlertDraft("https://www.instagram.com/p/world-open/", "hate", 2, summary, "en"),
        )
        pending_alert, _ = post_alert(
            load(members["trust0"]),
            AlertDraft("https://www.tiktok.com/@someone/video/1", "shaming", 2, summary, "en"),
        )
        now = utcnow()
        organiser = load(members["organiser"])
        live = create_campaign(
            organiser,
            CampaignDraft(
                "Week against hate", now - timedelta(days=1), now + timedelta(days=7), 10
            ),
        )
        launch_campaign(organiser, live.id)
        draft = create_campaign(
            organiser,
            CampaignDraft("Next month", now + timedelta(days=30), now + timedelta(days=37), 10),
        )
        owner = load(members["trust2"])
        join_campaign(owner, live.id)
        action = claim_action(owner, open_alert.id, action_type="report_platform")
        # Posting the alert may have asked them already, and the claim accepted that ask:
        # this one waits for an answer.
        ask = db.session.scalar(
            sa.select(Ask).where(Ask.alert_id == open_alert.id, Ask.member_id == owner.id)
        ) or Ask(alert_id=open_alert.id, member_id=owner.id)
        ask.answer, ask.answered_at = AskAnswer.PENDING, None
        ask.expires_at = now + timedelta(days=1)
        digest = Digest(
            member_id=owner.id,
            period_key="2026-01-05",
            period_start=now - timedelta(days=8),
            period_end=now - timedelta(days=1),
            status=DigestStatus.SENT,
            claimed_by="job",
            claimed_at=now,
            attempts=1,
            numbers=sent_digest_numbers(),
            norm_kind="descriptive",
            norm_message="7 in 10 members acted last week.",
            sent_at=now,
        )
        token = AccessToken(
            member_id=owner.id,
            name="matrix",
            prefix="upn_matrix",
            token_hash=hashlib.sha256(b"matrix-token").hexdigest(),
        )
        db.session.add_all([ask, digest, token])
        db.session.commit()
        answer = answer_scenario(owner, SCENARIO, severity=1, action_type="message_author")
        notice = Notice(
            member_id=owner.id, kind="alert_approved", alert_id=open_alert.id, body="Well spotted"
        )
        subscription = PushSubscription(
            member_id=owner.id,
            endpoint="https://fcm.googleapis.com/fcm/send/matrix-device",
            p256dh=PUSH_KEY,
            auth="AAAAAAAAAAAAAAAAAAAAAA",
            device="Phone",
        )
        chat = GroupChat(name="Organisers", url="json://localhost:9/matrix", hint="json://…")
        experiment = Experiment(
            name="Invitation or share",
            arms=["invitation", "descriptive"],
            minimum_effect=0.05,
            status=ExperimentStatus.RUNNING,
            created_by_id=organiser.id,
        )
        # The claimed action's check-in, asked already (the one-tap answer's target).
        check_in = CheckIn(action_id=action.id, member_id=owner.id, due_at=now, asked_at=now)
        endpoint = WebhookEndpoint(
            url="https://93.184.215.14/upstander",
            events=[WebhookEvent.ALERT_LIVE.value],
            sealed_secret=seal("whsec_matrix"),
            created_by=organiser.id,
        )
        db.session.add_all([notice, subscription, chat, experiment, check_in, endpoint])
        db.session.flush()
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id="6f1c0d64-5f0e-4a52-9d0b-6c4fd3f1a001",
            event=WebhookEvent.ALERT_LIVE,
            subject_id=open_alert.id,
            occurred_at=now,
            status=DeliveryStatus.DELIVERED,
            attempts=1,
            response_code=200,
        )
        db.session.add(delivery)
        db.session.commit()
        ids = {
            "alert_id": open_alert.id,
            "pending_alert": pending_alert.id,
            "team_id": team.id,
            "invite_code": team.invite_code,
            "campaign_id": live.id,
            "draft_campaign": draft.id,
            "action_id": action.id,
            "ask_id": ask.id,
            "digest_id": digest.id,
            "token_id": token.id,
            "answer_id": answer.id,
            "notice_id": notice.id,
            "subscription_id": subscription.id,
            "chat_id": chat.id,
            "experiment_id": experiment.id,
            "check_in_id": check_in.id,
            "endpoint_id": endpoint.id,
            "delivery_id": delivery.id,
            "help_token": help_token(ask),
            "member_id": members["trust0"].id,
            "token": unsubscribe_token(owner),
            "campaign_mail_token": campaign_mail_token(owner),
            "action": "report_platform",
            "code": SCENARIO,
        }
    return World(members=members, ids=ids)


def log_in_everyone(app: Flask, world: World, create_token: Callable[..., str]) -> None:
    """Give every role a session cookie with its CSRF token, and every member a bearer token."""
    name = app.config["SESSION_COOKIE_NAME"]
    for role in ROLES:
        browser = app.test_client()
        token = csrf_token_from(browser.get("/login").get_data(as_text=True))
        member = world.members.get(role)
        if member is not None:
            answer = browser.post(
                "/login",
                data={"csrf_token": token, "email": member.email, "password": member.password},
            )
            assert answer.status_code == 302, answer.get_data(as_text=True)
            token = csrf_token_from(browser.get("/").get_data(as_text=True))
            world.tokens[role] = create_token(member)
        cookie = browser.get_cookie(name)
        world.cookies[role] = cookie.value if cookie else None
        world.csrf[role] = token
    with app.app_context():
        limiter.reset()


@pytest.fixture
def world(app: Flask, create_member: Any, create_token: Any) -> World:
    built = build_world(app, create_member)
    log_in_everyone(app, built, create_token)
    return built


# --- visiting ------------------------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def fill(rule: str, world: World, ids: dict[str, str] | None = None) -> str:
    """Fill a rule's variables with the ids of the world (or the objects `ids` names)."""
    chosen = ids or {}
    return VARIABLE.sub(lambda match: str(world.ids[chosen.get(match[1], match[1])]), rule)


def rules_of(app: Flask) -> Iterator[tuple[str, Rule]]:
    """Yield (method, rule) for every route but the static files, without HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, rule


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the statements the app sends while the block runs."""
    statements: list[str] = []
    engine = db.engine_for(app)

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def loads_of(table: str, statements: list[str]) -> list[str]:
    """The statements among `statements` that load a row of `table` by its id."""
    by_id = re.compile(rf"\bFROM {table}\s+WHERE {table}\.id = ")
    return [statement for statement in statements if by_id.search(statement)]


@contextmanager
def counting_writes(app: Flask) -> Iterator[list[str]]:
    """Collect the INSERT, UPDATE and DELETE statements sent while the block runs."""
    writes: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lstrip().upper()
        # A write may come after common table expressions (WITH new_alert AS (INSERT ...)).
        if text.startswith(WRITES) or (
            text.startswith("WITH") and any(f" {verb} " in f" {text} " for verb in WRITES)
        ):
            writes.append(statement.split("\n")[0][:120])

    engine = db.engine_for(app)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Run the block in a savepoint of the test's transaction, then undo whatever it did."""
    with app.app_context():
        db.session.remove()
        connection = db.session.get_bind()
        assert isinstance(connection, sa.Connection), "the test's connection, not the engine"
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.remove()
            savepoint.rollback()
            limiter.reset()


def browser_of(app: Flask, world: World, role: str) -> FlaskClient:
    """Return a fresh browser carrying the role's session cookie."""
    browser = app.test_client()
    cookie = world.cookies.get(role)
    if cookie is not None:
        browser.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return browser


def visit(
    app: Flask,
    world: World,
    role: str,
    method: str,
    path: str,
    *,
    form: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
) -> Visit:
    """Send one request as a role: API calls with its bearer token, pages with its cookie."""
    browser = browser_of(app, world, role)
    kwargs: dict[str, Any] = {}
    if path.startswith("/api/"):
        if role in world.tokens:
            kwargs["headers"] = {"Authorization": f"Bearer {world.tokens[role]}"}
        if json is not None:
            kwargs["json"] = json
    elif method != "GET":
        kwargs["data"] = {"csrf_token": world.csrf[role], **(form or {})}
    with rolled_back(app), counting_writes(app) as writes:
        response = browser.open(path, method=method, **kwargs)
        # A binary download (the Parquet export) is read as text where it can be, no more.
        body = response.get_data().decode(errors="replace")
    return Visit(response.status_code, response.headers.get("Location", ""), writes, body)


def change_settings(monkeypatch: Any, app: Flask, **changes: Any) -> None:
    """Change some of the app's settings for one test (monkeypatch puts them back)."""
    import dataclasses

    changed = dataclasses.replace(app.extensions["settings"], **changes)
    monkeypatch.setitem(app.extensions, "settings", changed)
    for name, value in changes.items():
        monkeypatch.setitem(app.config, name.upper(), value)

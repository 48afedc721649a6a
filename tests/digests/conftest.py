"""Fixtures for digests: members and history written straight to the database, a real SMTP sink."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from network.accounts.models import DigestFrequency, Member, MemberStatus
from network.alerts.models import Alert, AlertStatus, Category, Outcome
from network.campaigns.models import Campaign, CampaignStatus
from network.coordination.models import Action, ActionStatus
from network.digests.models import Digest
from network.extensions import db
from network.teams.models import Team, TeamMembership
from network.vocabulary import ActionType, Platform
from tests.harness import free_port
from tests.world import change_settings

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)
_number = count(1)


class Sink:
    """An SMTP server that keeps what it accepts; it can refuse or be slow on purpose."""

    def __init__(self, *, refuse: int = 0, delay: float = 0.0) -> None:
        self.refuse = refuse
        self.delay = delay
        self.accepted: list[EmailMessage] = []
        self.refused: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused.append(message)
                return "451 4.3.0 Try again later"
            self.accepted.append(message)
        return "250 2.0.0 Accepted"

    def to(self, email: str) -> list[EmailMessage]:
        """Return the accepted messages to one address."""
        with self.lock:
            return [message for message in self.accepted if message["To"] == email]

    def per_recipient(self) -> dict[str, int]:
        with self.lock:
            counts: dict[str, int] = {}
            for message in self.accepted:
                counts[str(message["To"])] = counts.get(str(message["To"]), 0) + 1
            return counts


AnySink = TypeVar("AnySink", bound="Sink")


class Servers:
    """SMTP sinks (aiosmtpd) served on free ports until stopped."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(self, sink: AnySink) -> AnySink:
        sink.port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
        controller.start()
        self.controllers.append(controller)
        return sink

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[Callable[..., Sink]]:
    """Start real SMTP servers (aiosmtpd) on free ports; stop them after the test."""
    servers = Servers()

    def start(*, refuse: int = 0, delay: float = 0.0) -> Sink:
        return servers.start(Sink(refuse=refuse, delay=delay))

    yield start
    servers.stop()


@pytest.fixture
def mail_to(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[Sink], None]:
    """Point the app's mail at a sink (SMTP_HOST/SMTP_PORT, as the environment would)."""

    def point(sink: Sink) -> None:
        change_settings(monkeypatch, app, smtp_host="127.0.0.1")
        change_settings(monkeypatch, app, smtp_port=sink.port)

    return point


@pytest.fixture
def add_members(app: Flask) -> Callable[..., list[int]]:
    """Insert members directly (fast, any created_at); return their ids."""

    def add(
        n: int = 1,
        *,
        time_zone: str = "Europe/Amsterdam",
        frequency: str = "weekly",
        locale: str = "en",
        created_at: datetime = LONG_AGO,
        status: str = "active",
        verified: bool = True,
    ) -> list[int]:
        with app.app_context():
            members = [
                Member(
                    email=f"digest{(k := next(_number))}@example.org",
                    password_hash="not-a-real-hash",
                    display_name=f"Reader {k}",
                    locale=locale,
                    time_zone=time_zone,
                    digest_frequency=DigestFrequency(frequency),
                    status=MemberStatus(status),
                    pledge_accepted_at=created_at,
                    created_at=created_at,
                    email_verified_at=created_at if verified else None,
                    platforms=[],
                    languages=[locale],
                    comfortable_actions=[],
                )
                for _ in range(n)
            ]
            db.session.add_all(members)
            db.session.commit()
            return [member.id for member in members]

    return add


@pytest.fixture
def add_team(app: Flask) -> Callable[..., int]:
    def add(name: str, member_ids: list[int]) -> int:
        with app.app_context():
            team = Team(name=name, invite_code=f"code{next(_number)}")
            db.session.add(team)
            db.session.flush()
            db.session.add_all(TeamMembership(team_id=team.id, member_id=m) for m in member_ids)
            db.session.commit()
            return team.id

    return add


@pytest.fixture
def add_alert(app: Flask) -> Callable[..., int]:
    def add(
        created_at: datetime,
        *,
        status: str = "open",
        outcome: str | None = None,
        resolved_at: datetime | None = None,
        responder_goal: int = 3,
        target_requested_help: bool = False,
        wanted_actions: list[str] | None = None,
        category: str = "hate",
        severity: int = 2,
    ) -> int:
        n = next(_number)
        with app.app_context():
            alert = Alert(
                url=f"https://www.instagram.com/p/digest{n}/",
                canonical_url=f"https://instagram.com/p/digest{n}",
                canonical_hash=f"{n:064d}",
                platform=Platform("instagram"),
                category=Category(category),
                severity=severity,
                summary="Comments mocking a girl for her religion.",
                language="nl",
                target_requested_help=target_requested_help,
                wanted_actions=wanted_actions or [],
                responder_goal=responder_goal,
                status=AlertStatus(status),
                outcome=Outcome(outcome) if outcome else None,
                resolved_at=resolved_at,
                created_at=created_at,
                last_activity_at=created_at,
            )
            db.session.add(alert)
            db.session.commit()
            return alert.id

    return add


@pytest.fixture
def add_action(app: Flask) -> Callable[..., int]:
    def add(
        alert_id: int,
        member_id: int,
        kind: str,
        *,
        claimed_at: datetime,
        done_at: datetime | None = None,
        status: str | None = None,
    ) -> int:
        with app.app_context():
            action = Action(
                alert_id=alert_id,
                member_id=member_id,
                type=ActionType(kind),
                status=ActionStatus(status or ("done" if done_at else "claimed")),
                claimed_at=claimed_at,
                expires_at=claimed_at + timedelta(hours=2),
                done_at=done_at,
            )
            db.session.add(action)
            db.session.commit()
            return action.id

    return add


@pytest.fixture
def add_campaign(app: Flask) -> Callable[..., int]:
    def add(
        title: str, *, goal: int, starts_at: datetime, ends_at: datetime, status: str = "live"
    ) -> int:
        with app.app_context():
            campaign = Campaign(
                title=title,
                goal=goal,
                starts_at=starts_at,
                ends_at=ends_at,
                status=CampaignStatus(status),
                focus_categories=[],
                focus_platforms=[],
                recommended_actions=[],
            )
            db.session.add(campaign)
            db.session.commit()
            return campaign.id

    return add


def digest_rows(app: Flask, member_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Return the digest rows (as plain dictionaries), by member."""
    with app.app_context():
        query = sa.select(Digest).order_by(Digest.member_id, Digest.id)
        if member_ids is not None:
            query = query.where(Digest.member_id.in_(member_ids))
        return [
            {column.key: getattr(row, column.key) for column in Digest.__table__.columns}
            for row in db.session.scalars(query)
        ]


def email_of(app: Flask, member_id: int) -> str:
    with app.app_context():
        email = db.session.scalar(sa.select(Member.email).where(Member.id == member_id))
        assert email is not None
        return email


class Dropping(Sink):
    """An SMTP server that hangs up, without a reply, on the messages it is told to drop."""

    def __init__(self, drop: set[int], refuse_to: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.drop = drop
        self.refuse_to = refuse_to
        self.seen = 0
        self.dropped: list[str] = []

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Offers PIPELINING, as production servers do: MAIL, RCPT and DATA go in one write.
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_to:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.seen += 1
            hang_up = self.seen in self.drop
            if hang_up:
                self.dropped.extend(envelope.rcpt_tos)
        if hang_up:
            server.transport.close()
            return "421 4.4.2 Connection dropped"  # never reaches the client
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def dropping(mail_to: Callable[[Sink], None]) -> Iterator[Callable[..., Dropping]]:
    """Point the app's mail at a sink that hangs up on the messages it is told to drop."""
    servers = Servers()

    def start(drop: set[int], refuse_to: frozenset[str] = frozenset()) -> Dropping:
        sink = servers.start(Dropping(drop, refuse_to))
        mail_to(sink)
        return sink

    yield start
    servers.stop()

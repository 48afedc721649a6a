"""Use cases of privacy: erase a member everywhere; delete closed alerts' texts after a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import AbuseFlag, Alert, AlertReport, AlertStatus
from network.campaigns.models import Campaign, CampaignMember
from network.coordination import feed
from network.coordination.models import Action, ActionStatus, Ask
from network.db import utcnow
from network.digests.models import Digest
from network.extensions import db
from network.guidance.models import PracticeAnswer
from network.moderation import audit
from network.notices.models import Notice
from network.realtime import connections
from network.realtime.models import FeedEvent
from network.settings import settings
from network.teams.models import Team


def erase_member(member: Member) -> None:
    """Erase a member: delete what is theirs alone, unlink what the network keeps; one commit."""
    from network.teams.services import leave_every_team  # teams hand ownership on first

    member_id = member.id
    leave_every_team(member)
    released = _release_live_claims(member_id)
    _scrub_feed_events(member_id)
    # Their actions stay in the network's history (the needs and the numbers count them),
    # without a name or the private note.
    db.session.execute(
        sa.update(Action)
        .where(Action.member_id == member_id)
        .values(member_id=None, note=None, anonymous=True)
    )
    # Alerts stay for the network, with no trace of who reported them.
    db.session.execute(
        sa.update(Alert).where(Alert.reporter_id == member_id).values(reporter_id=None)
    )
    for model in (Team, Campaign):
        db.session.execute(
            sa.update(model).where(model.created_by_id == member_id).values(created_by_id=None)
        )
    for owned in (AlertReport, AbuseFlag, Ask, Digest, CampaignMember, PracticeAnswer, Notice):
        db.session.execute(
            sa.delete(owned).where(owned.member_id == member_id),
            execution_options={"synchronize_session": False},
        )
    audit.record(member, "member.erased", "member", member_id)
    db.session.delete(member)  # tokens go with it
    db.session.flush()
    for alert in released:
        feed.announce_alert(alert)  # the slots they held are open again
    db.session.commit()
    connections.end_member_connections(member_id)


def _release_live_claims(member_id: int) -> list[Alert]:
    """End the member's live claims so others can take them; return the alerts concerned."""
    claims = db.session.scalars(
        sa.select(Action)
        .where(Action.member_id == member_id, Action.status == ActionStatus.CLAIMED)
        .with_for_update()
    ).all()
    now = utcnow()
    alerts: dict[int, Alert] = {}
    for action in claims:
        action.status, action.ended_at = ActionStatus.RELEASED, now
        alert = db.session.get(Alert, action.alert_id)
        if alert is not None:
            alerts[alert.id] = alert
    return list(alerts.values())


def _scrub_feed_events(member_id: int) -> None:
    """Remove the member's name from the event log, and the asks only they were sent."""
    their_actions = sa.select(Action.id).where(Action.member_id == member_id)
    named = db.session.scalars(
        sa.select(FeedEvent).where(
            FeedEvent.event == "action.updated",
            FeedEvent.payload[("action", "id")].as_integer().in_(their_actions),
        )
    )
    for event in named:
        # A new dict: the JSON column does not track changes made in place.
        event.payload = {**event.payload, "action": {**event.payload["action"], "volunteer": None}}
    their_asks = sa.select(Ask.id).where(Ask.member_id == member_id)
    db.session.execute(
        sa.delete(FeedEvent).where(
            FeedEvent.event == "ask.created",
            FeedEvent.payload[("ask", "id")].as_integer().in_(their_asks),
        ),
        execution_options={"synchronize_session": False},
    )


@dataclass
class RetentionResult:
    """What one retention run deleted."""

    summaries: int
    notes: int
    flag_notes: int


def delete_closed_alert_texts(now: datetime | None = None) -> RetentionResult:
    """Delete summaries and private notes of alerts closed SUMMARY_RETENTION_DAYS ago; audited."""
    days = settings().summary_retention_days
    cutoff = (now or utcnow()) - timedelta(days=days)
    # Expiry has no timestamp of its own: an alert expires ALERT_EXPIRY_DAYS after its last
    # activity (within the hour the expiry job runs in).
    expiry = timedelta(days=settings().alert_expiry_days)
    closed_before_cutoff = sa.or_(
        sa.and_(Alert.status == AlertStatus.RESOLVED, Alert.resolved_at < cutoff),
        sa.and_(Alert.status == AlertStatus.REJECTED, Alert.reviewed_at < cutoff),
        sa.and_(Alert.status == AlertStatus.EXPIRED, Alert.last_activity_at < cutoff - expiry),
    )
    closed_alerts = sa.select(Alert.id).where(closed_before_cutoff)
    summaries = _count_and_update(
        sa.update(Alert).where(closed_before_cutoff, Alert.summary != "").values(summary="")
    )
    notes = _count_and_update(
        sa.update(Action)
        .where(Action.alert_id.in_(closed_alerts), Action.note.is_not(None))
        .values(note=None)
    )
    flag_notes = _count_and_update(
        sa.update(AbuseFlag)
        .where(AbuseFlag.alert_id.in_(closed_alerts), AbuseFlag.note != "")
        .values(note="")
    )
    # Feed events carry alert summaries too; past the replay window nobody can ask for them.
    event_days = settings().feed_event_retention_days
    db.session.execute(
        sa.delete(FeedEvent).where(
            FeedEvent.created_at < (now or utcnow()) - timedelta(days=event_days)
        ),
        execution_options={"synchronize_session": False},
    )
    audit.record(
        None,
        "privacy.retention",
        "network",
        0,
        days=days,
        summaries=summaries,
        notes=notes,
        flag_notes=flag_notes,
    )
    db.session.commit()
    return RetentionResult(summaries, notes, flag_notes)


def _count_and_update(statement: sa.Update) -> int:
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)

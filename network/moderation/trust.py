"""Trust levels: what each one means, and the daily batch that raises and lowers them.

0  new member: alerts wait for review; flags are shown to reviewers but do not hide.
1  trusted: alerts go straight to the feed; flags count once toward hiding.
2  experienced: flags count double toward hiding.
3  reviewer: reviews pending and hidden alerts alongside organisers.

Automatic changes run in one daily batch, never next to the review that caused them: an audit
entry beside an approval would tell organisers who reported the alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from network.accounts.models import Member, MemberStatus, Role
from network.alerts.models import Alert, AlertStatus
from network.db import utcnow
from network.extensions import db
from network.moderation import audit
from network.settings import settings

log = logging.getLogger(__name__)

APPROVED_STATUSES = (AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.EXPIRED)
# How much one flag weighs toward hiding an alert, by the flagger's trust level at the time.
FLAG_WEIGHTS = {0: 0, 1: 1, 2: 2, 3: 2}


def flag_weight(trust_level: int) -> int:
    """Return how much a flag by a member at this trust level counts toward hiding."""
    return FLAG_WEIGHTS.get(trust_level, 2 if trust_level > 3 else 0)


def flag_weight_sql(trust_level: sa.orm.Mapped[int] | sa.ColumnElement[int]) -> sa.Case[int]:
    """The same weights, as an SQL expression over a flag's trust level."""
    return sa.case(
        *[(trust_level == level, weight) for level, weight in FLAG_WEIGHTS.items()], else_=0
    )


def _reviewed_since(member: Member, statuses: tuple[AlertStatus, ...], since: datetime) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(Alert)
        .where(
            Alert.reporter_id == member.id,
            Alert.reviewed_at.is_not(None),
            Alert.reviewed_at >= since,
            Alert.status.in_(statuses),
        )
    )
    return db.session.scalar(query) or 0


def _change(member: Member, new_level: int, reason: str, now: datetime) -> bool:
    """Change one member's trust unless someone changed it meanwhile; audit it; True if done."""
    # The condition makes the batch safe to run twice at once: the second finds nothing to do.
    changed = db.session.execute(
        sa.update(Member)
        .where(
            Member.id == member.id,
            Member.trust_level == member.trust_level,
            Member.trust_changed_at.is_(None)
            if member.trust_changed_at is None
            else Member.trust_changed_at == member.trust_changed_at,
        )
        .values(trust_level=new_level, trust_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        return False
    # Named by member only: no alert, so the entry cannot be tied to one review.
    audit.record(
        None,
        "member.trust_changed",
        "member",
        member.id,
        old=member.trust_level,
        new=new_level,
        reason=reason,
    )
    return True


def apply_trust_changes(now: datetime | None = None) -> dict[str, int]:
    """Raise new members after approved alerts, lower members after rejected ones; once a day."""
    now = now or utcnow()
    config = settings()
    needed_approvals = config.trust_promotion_approved_alerts
    needed_rejections = config.trust_demotion_rejected_alerts
    window = now - timedelta(days=config.trust_demotion_days)
    reviewed = (
        sa.select(Alert.reporter_id)
        .where(Alert.reporter_id.is_not(None), Alert.reviewed_at.is_not(None))
        .distinct()
    )
    candidates = list(
        db.session.scalars(
            sa.select(Member)
            .where(
                Member.id.in_(reviewed),
                Member.status == MemberStatus.ACTIVE,
                # Staff review by their role; their trust is theirs to set.
                Member.role == Role.MEMBER,
            )
            .order_by(Member.id)
        )
    )
    counts = {"promoted": 0, "demoted": 0}
    for member in candidates:
        # Only what happened after the last change counts: an organiser's decision stands,
        # and one set of rejections lowers trust once.
        since = max(member.trust_changed_at or member.created_at, window)
        rejected = _reviewed_since(member, (AlertStatus.REJECTED,), since)
        if member.trust_level > 0 and rejected >= needed_rejections:
            if _change(member, member.trust_level - 1, "rejected alerts", now):
                counts["demoted"] += 1
            continue
        if member.trust_level == 0 and rejected == 0:
            approved = _reviewed_since(
                member, APPROVED_STATUSES, member.trust_changed_at or member.created_at
            )
            if approved >= needed_approvals and _change(member, 1, "approved alerts", now):
                counts["promoted"] += 1
    db.session.commit()
    if counts["promoted"] or counts["demoted"]:
        log.info("trust batch: %(promoted)s promoted, %(demoted)s demoted", counts)
    return counts

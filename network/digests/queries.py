"""Read side of digests: a member's archive and the open alerts a digest points to."""

from __future__ import annotations

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import Alert, AlertStatus
from network.alerts.queries import urgency_order
from network.coordination.needs import Need
from network.coordination.queries import needs_for_many
from network.digests.models import Digest, DigestStatus
from network.errors import NotFound
from network.extensions import db
from network.translation import gettext as _
from network.vocabulary import ActionType


def alerts_needing_help(limit: int = 3) -> list[tuple[Alert, dict[ActionType, Need]]]:
    """Return the most urgent open alerts that still need something."""
    candidates = list(
        db.session.scalars(
            sa.select(Alert)
            .where(Alert.status == AlertStatus.OPEN, Alert.hidden_at.is_(None))
            .order_by(*urgency_order())
            .limit(limit * 5)
        )
    )
    needs = needs_for_many(candidates)
    open_ones = [
        (alert, needs[alert.id])
        for alert in candidates
        if any(need.open for need in needs[alert.id].values())
    ]
    return open_ones[:limit]


def digests_of(member: Member, *, before_id: int | None = None, limit: int = 20) -> list[Digest]:
    """Return the member's digests, newest first."""
    query = (
        sa.select(Digest)
        .where(
            Digest.member_id == member.id,
            Digest.status.in_([DigestStatus.SENT, DigestStatus.FAILED]),
        )
        .order_by(Digest.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Digest.id < before_id)
    return list(db.session.scalars(query))


def digest_for(member: Member, digest_id: int) -> Digest:
    """Return one of the member's digests."""
    digest = db.session.get(Digest, digest_id)
    if digest is None or digest.member_id != member.id:
        raise NotFound(_("This digest does not exist."))
    return digest

"""API resources: the review queue (reviewers), suspending and reinstating members (organisers)."""

from __future__ import annotations

from network.accounts.models import Member
from network.alerts.policy import require_reviewer
from network.alerts.schemas import AlertOut
from network.api import operation
from network.coordination import queries as coordination
from network.moderation import queries
from network.moderation.schemas import (
    FlagOut,
    MemberStatusOut,
    ReinstateIn,
    ReviewItemOut,
    ReviewQueueOut,
    SuspendIn,
)
from network.moderation.suspension import reinstate_member, suspend_member


@operation("/review/alerts", "GET", tag="review", response=ReviewQueueOut, errors=(403,))
def review_queue(actor: Member) -> ReviewQueueOut:
    """List alerts waiting for review, with the flags' reasons and notes (reviewers)."""
    require_reviewer(actor)
    waiting = queries.review_queue()
    trust = queries.reporter_trust(waiting)
    flags = queries.flags_of([alert.id for alert in waiting])
    needs = coordination.needs_for_many(waiting)
    return ReviewQueueOut(
        items=[
            ReviewItemOut(
                alert=AlertOut.of(alert, reported_by_me=False, needs=needs[alert.id]),
                waiting=queries.waiting_because(alert),
                reporter_trust_level=trust.get(alert.reporter_id)
                if alert.reporter_id is not None
                else None,
                flags=[
                    FlagOut(
                        reason=flag.reason,
                        note=flag.note,
                        trust_level=flag.trust_level,
                        weight=flag.weight,
                        counts=flag.counts,
                        created_at=flag.created_at,
                    )
                    for flag in flags[alert.id]
                ],
            )
            for alert in waiting
        ]
    )


@operation(
    "/members/<int:member_id>/suspend",
    "POST",
    tag="members",
    body=SuspendIn,
    response=MemberStatusOut,
    errors=(403, 404, 409),
)
def suspend(actor: Member, member_id: int, body: SuspendIn) -> MemberStatusOut:
    """Suspend a member: sessions, tokens and live connections end, claims are released."""
    member = suspend_member(actor, member_id, reason=body.reason)
    return MemberStatusOut(id=member.id, status=member.status)


@operation(
    "/members/<int:member_id>/reinstate",
    "POST",
    tag="members",
    body=ReinstateIn,
    response=MemberStatusOut,
    errors=(403, 404, 409),
)
def reinstate(actor: Member, member_id: int, body: ReinstateIn) -> MemberStatusOut:
    """Reinstate a suspended member, who can log in again."""
    member = reinstate_member(actor, member_id, reason=body.reason)
    return MemberStatusOut(id=member.id, status=member.status)

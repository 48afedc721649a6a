"""API resources: the review queue and reviews (reviewers), trust levels, suspending and reinstating
members (organisers)."""

from __future__ import annotations

from network.accounts.models import Member
from network.alerts.policy import require_reviewer
from network.alerts.schemas import AlertOut, alert_out
from network.api import operation
from network.coordination import queries as coordination
from network.moderation import queries, services
from network.moderation.schemas import (
    FlagOut,
    MemberStatusOut,
    ReinstateIn,
    ReviewIn,
    ReviewItemOut,
    ReviewQueueOut,
    SuspendIn,
    TrustIn,
    TrustOut,
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


@operation(
    "/alerts/<int:alert_id>/review",
    "POST",
    tag="alerts",
    body=ReviewIn,
    response=AlertOut,
    errors=(403, 404, 409),
)
def review_alert(actor: Member, alert_id: int, body: ReviewIn) -> AlertOut:
    """Approve or reject a pending or hidden alert (organisers and trust-3 members)."""
    review = services.review_alert(actor, alert_id, decision=body.decision, reason=body.reason)
    if review.needs is None:
        return alert_out(actor, review.alert)
    # Just put live: its needs are known, and a reviewer never reviews an alert they reported.
    return AlertOut.of(review.alert, reported_by_me=False, needs=review.needs)


@operation(
    "/members/<int:member_id>/trust",
    "PUT",
    tag="members",
    body=TrustIn,
    response=TrustOut,
    errors=(403, 404),
)
def set_trust(actor: Member, member_id: int, body: TrustIn) -> TrustOut:
    """Set a member's trust level (organisers); audited."""
    member = services.set_trust_level(
        actor, member_id, trust_level=body.trust_level, reason=body.reason
    )
    return TrustOut(id=member.id, trust_level=member.trust_level)

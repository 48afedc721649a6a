"""Read side of campaigns: lists, progress toward the goal, membership."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from network.accounts.models import Member
from network.alerts.models import Alert, AlertStatus
from network.alerts.queries import urgency_order
from network.campaigns.models import Campaign, CampaignMember, CampaignStatus, CampaignTemplate
from network.coordination.models import Action, ActionStatus
from network.extensions import db
from network.moderation.models import AuditEntry


def campaigns_for(
    member: Member, *, status: str | None = None, after_id: int | None = None, limit: int = 50
) -> list[Campaign]:
    """Return campaigns the member may see (drafts only for organisers), newest first."""
    query = sa.select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if not member.is_organiser:
        query = query.where(Campaign.status != CampaignStatus.DRAFT)
    if status:
        query = query.where(Campaign.status == status)
    if after_id is not None:
        query = query.where(Campaign.id < after_id)
    return list(db.session.scalars(query))


def progress(campaign_ids: list[int]) -> dict[int, int]:
    """Return the completed actions on each campaign's alerts."""
    if not campaign_ids:
        return {}
    rows = db.session.execute(
        sa.select(Alert.campaign_id, sa.func.count(Action.id))
        .join(Action, Action.alert_id == Alert.id)
        .where(Alert.campaign_id.in_(campaign_ids), Action.status == ActionStatus.DONE)
        .group_by(Alert.campaign_id)
    ).all()
    return {campaign_id: count for campaign_id, count in rows if campaign_id is not None}


def joined(member: Member, campaign_ids: list[int]) -> set[int]:
    """Return which of these campaigns the member joined."""
    if not campaign_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(CampaignMember.campaign_id).where(
                CampaignMember.member_id == member.id, CampaignMember.campaign_id.in_(campaign_ids)
            )
        )
    )


def joined_campaign_ids(member_id: int) -> list[int]:
    """Return the ids of the campaigns a member joined."""
    return list(
        db.session.scalars(
            sa.select(CampaignMember.campaign_id).where(CampaignMember.member_id == member_id)
        )
    )


def member_count(campaign_id: int) -> int:
    """Return how many members joined the campaign."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CampaignMember)
            .where(CampaignMember.campaign_id == campaign_id)
        )
        or 0
    )


def open_alerts(campaign_id: int, limit: int = 50) -> list[Alert]:
    """Return the campaign's open, visible alerts by urgency."""
    return list(
        db.session.scalars(
            sa.select(Alert)
            .where(
                Alert.campaign_id == campaign_id,
                Alert.status == AlertStatus.OPEN,
                Alert.hidden_at.is_(None),
            )
            .order_by(*urgency_order())
            .limit(limit)
        )
    )


def templates_of(campaign_id: int) -> list[CampaignTemplate]:
    """Return the campaign's own message templates."""
    return list(
        db.session.scalars(
            sa.select(CampaignTemplate)
            .where(CampaignTemplate.campaign_id == campaign_id)
            .order_by(CampaignTemplate.id)
        )
    )


def suggested_alerts(campaign: Campaign, limit: int = 10) -> list[Alert]:
    """Return open alerts in no campaign that match the campaign's focus, most urgent first."""
    # Team alerts are visible to every member, but they belong to their team's own work: the
    # campaign page (shown to everyone) suggests network alerts only.
    query = sa.select(Alert).where(
        Alert.campaign_id.is_(None),
        Alert.team_id.is_(None),
        Alert.status == AlertStatus.OPEN,
        Alert.hidden_at.is_(None),
    )
    # An empty focus list means any category (or platform), as on the campaign itself.
    if campaign.focus_categories:
        query = query.where(Alert.category.in_(campaign.focus_categories))
    if campaign.focus_platforms:
        query = query.where(Alert.platform.in_(campaign.focus_platforms))
    return list(db.session.scalars(query.order_by(*urgency_order()).limit(limit)))


def launch_mail(campaign_id: int) -> dict[str, Any] | None:
    """Return how the campaign's launch mail went (sent, failed, error), or None before it ran."""
    from network.campaigns.mailing import LAUNCH_MAIL

    entry = db.session.scalar(
        sa.select(AuditEntry)
        .where(
            AuditEntry.action == LAUNCH_MAIL,
            AuditEntry.subject_type == "campaign",
            AuditEntry.subject_id == campaign_id,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return dict(entry.details) if entry is not None else None

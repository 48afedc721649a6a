"""Read side of privacy: gather everything the network stores about one member."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from network.accounts.models import AccessToken, Member
from network.alerts.models import AbuseFlag, Alert, AlertReport
from network.campaigns.models import Campaign, CampaignMember
from network.coordination.models import Action, Ask
from network.db import utcnow
from network.digests.models import Digest
from network.extensions import db
from network.guidance.models import PracticeAnswer
from network.notices.models import Notice
from network.privacy.schemas import (
    ActionExport,
    AskExport,
    CampaignMembershipExport,
    DigestExport,
    FlagExport,
    MemberExport,
    NoticeExport,
    PracticeAnswerExport,
    ProfileExport,
    PushSubscriptionExport,
    ReportedAlertExport,
    TeamExport,
    TokenExport,
)
from network.reach.models import PushSubscription
from network.reach.schemas import ReachSettingsOut
from network.reach.services import settings_of
from network.teams.models import Team, TeamMembership

Row = TypeVar("Row")


def export_of(member: Member) -> MemberExport:
    """Return the member's data, as they may take it with them."""
    return MemberExport(
        exported_at=utcnow(),
        profile=ProfileExport.model_validate(member, from_attributes=True),
        teams=_teams(member),
        alerts_reported=_reported_alerts(member),
        abuse_flags=[
            FlagExport.model_validate(flag, from_attributes=True)
            for flag in _rows(AbuseFlag, AbuseFlag.member_id == member.id, AbuseFlag.created_at)
        ],
        actions=[
            ActionExport.model_validate(action, from_attributes=True)
            for action in _rows(Action, Action.member_id == member.id, Action.id)
        ],
        asks=[
            AskExport.model_validate(ask, from_attributes=True)
            for ask in _rows(Ask, Ask.member_id == member.id, Ask.id)
        ],
        digests=[
            DigestExport.model_validate(digest, from_attributes=True)
            for digest in _rows(Digest, Digest.member_id == member.id, Digest.period_start)
        ],
        campaigns=_campaigns(member),
        practice_answers=[
            PracticeAnswerExport.model_validate(answer, from_attributes=True)
            for answer in _rows(
                PracticeAnswer, PracticeAnswer.member_id == member.id, PracticeAnswer.id
            )
        ],
        tokens=[
            TokenExport.model_validate(token, from_attributes=True)
            for token in _rows(AccessToken, AccessToken.member_id == member.id, AccessToken.id)
        ],
        notices=[
            NoticeExport.model_validate(notice, from_attributes=True)
            for notice in _rows(Notice, Notice.member_id == member.id, Notice.id)
        ],
        push_subscriptions=[
            PushSubscriptionExport.model_validate(subscription, from_attributes=True)
            for subscription in _rows(
                PushSubscription, PushSubscription.member_id == member.id, PushSubscription.id
            )
        ],
        reach_settings=ReachSettingsOut.of(settings_of(member.id)),
    )


def _rows(model: type[Row], mine: sa.ColumnElement[bool], order: Any) -> list[Row]:
    return list(db.session.scalars(sa.select(model).where(mine).order_by(order)))


def _teams(member: Member) -> list[TeamExport]:
    rows = db.session.execute(
        sa.select(TeamMembership, Team.name)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.member_id == member.id)
        .order_by(TeamMembership.joined_at)
    )
    return [
        TeamExport(
            team_id=membership.team_id,
            name=name,
            role=membership.role,
            joined_at=membership.joined_at,
        )
        for membership, name in rows
    ]


def _reported_alerts(member: Member) -> list[ReportedAlertExport]:
    """Alerts the member posted or reported again; only their own summaries."""
    rows = db.session.execute(
        sa.select(Alert, AlertReport.reported_at)
        .outerjoin(
            AlertReport,
            sa.and_(AlertReport.alert_id == Alert.id, AlertReport.member_id == member.id),
        )
        .where(sa.or_(Alert.reporter_id == member.id, AlertReport.member_id == member.id))
        .order_by(Alert.id)
    )
    exports = []
    for alert, reported_at in rows:
        posted = alert.reporter_id == member.id
        exports.append(
            ReportedAlertExport(
                alert_id=alert.id,
                url=alert.url,
                category=alert.category,
                severity=alert.severity,
                language=alert.language,
                status=alert.status,
                outcome=alert.outcome,
                posted_by_you=posted,
                summary=alert.summary if posted else None,
                reported_at=reported_at or alert.created_at,
            )
        )
    return exports


def _campaigns(member: Member) -> list[CampaignMembershipExport]:
    rows = db.session.execute(
        sa.select(CampaignMember, Campaign.title)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(CampaignMember.member_id == member.id)
        .order_by(CampaignMember.joined_at)
    )
    return [
        CampaignMembershipExport(
            campaign_id=membership.campaign_id,
            title=title,
            joined_at=membership.joined_at,
            reminded_at=membership.reminded_at,
        )
        for membership, title in rows
    ]

"""Read side of guidance: a member's practice record and the help offered on an alert."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import get_locale

from network.accounts.models import Member
from network.alerts.models import Alert
from network.campaigns.models import Campaign, CampaignStatus, CampaignTemplate
from network.errors import NotFound
from network.extensions import db
from network.guidance.message_templates import (
    TEMPLATE_ACTIONS,
    MessageTemplate,
    template_language,
    templates_for,
)
from network.guidance.models import PracticeAnswer
from network.guidance.reporting import Country, ReportRoute, report_country, report_route
from network.guidance.rules import allowed_actions
from network.translation import gettext as _
from network.vocabulary import ActionType

RECENT_ANSWERS = 5


@dataclass(frozen=True)
class PracticeRecord:
    """How often a member agreed with the guide: overall and in their latest answers."""

    total: int
    agreed: int
    recent: int
    recent_agreed: int


def practice_record(member: Member) -> PracticeRecord:
    """Return the member's agreement with the guide over all answers and the latest ones."""
    total, agreed = db.session.execute(
        sa.select(
            sa.func.count(PracticeAnswer.id),
            sa.func.coalesce(sa.func.sum(sa.case((PracticeAnswer.agreed, 1), else_=0)), 0),
        ).where(PracticeAnswer.member_id == member.id)
    ).one()
    latest = list(
        db.session.scalars(
            sa.select(PracticeAnswer.agreed)
            .where(PracticeAnswer.member_id == member.id)
            .order_by(PracticeAnswer.created_at.desc(), PracticeAnswer.id.desc())
            .limit(RECENT_ANSWERS)
        )
    )
    return PracticeRecord(int(total), int(agreed), len(latest), sum(latest))


def latest_answers(member: Member) -> dict[str, PracticeAnswer]:
    """Return the member's latest answer to each scenario they practised."""
    answers = db.session.scalars(
        sa.select(PracticeAnswer)
        .where(PracticeAnswer.member_id == member.id)
        .order_by(PracticeAnswer.created_at.asc(), PracticeAnswer.id.asc())
    )
    return {answer.scenario_code: answer for answer in answers}


def answer_of(member: Member, answer_id: int) -> PracticeAnswer:
    """Return one of the member's own answers; other members' answers do not exist for them."""
    answer = db.session.get(PracticeAnswer, answer_id)
    if answer is None or answer.member_id != member.id:
        raise NotFound(_("This answer does not exist."))
    return answer


@dataclass
class AlertHelp:
    """What the guide offers on one alert: words to use, the report route, who else to tell."""

    alert: Alert
    language: str
    templates: dict[ActionType, list[MessageTemplate]]
    route: ReportRoute
    country: Country
    campaign: Campaign | None = None
    campaign_templates: list[CampaignTemplate] = field(default_factory=list)


def _campaign_templates_of(
    alerts: list[Alert],
) -> dict[int, tuple[Campaign | None, list[CampaignTemplate]]]:
    """Return each alert's launched campaign and its templates, in two queries for any number."""
    campaign_ids = {alert.campaign_id for alert in alerts if alert.campaign_id is not None}
    if not campaign_ids:
        return {}
    campaigns = {
        campaign.id: campaign
        for campaign in db.session.scalars(
            sa.select(Campaign).where(
                Campaign.id.in_(campaign_ids), Campaign.status != CampaignStatus.DRAFT
            )
        )
    }
    templates: dict[int, list[CampaignTemplate]] = {campaign_id: [] for campaign_id in campaigns}
    if campaigns:
        for template in db.session.scalars(
            sa.select(CampaignTemplate)
            .where(CampaignTemplate.campaign_id.in_(list(campaigns)))
            .order_by(CampaignTemplate.id)
        ):
            templates[template.campaign_id].append(template)
    order = {action: position for position, action in enumerate(ActionType)}
    found: dict[int, tuple[Campaign | None, list[CampaignTemplate]]] = {}
    for alert in alerts:
        campaign = campaigns.get(alert.campaign_id) if alert.campaign_id is not None else None
        if campaign is not None:
            own = sorted(templates[campaign.id], key=lambda template: order[template.action_type])
            found[alert.id] = (campaign, own)
    return found


@dataclass(frozen=True)
class CampaignHelp:
    """What of a campaign's own suggestions the guide allows on one of its alerts."""

    actions: list[ActionType]
    templates: list[CampaignTemplate]
    withheld: list[ActionType]  # suggested by the campaign, forbidden here by the guide


def campaign_help(
    alert: Alert, recommended: list[str], templates: list[CampaignTemplate]
) -> CampaignHelp:
    """Filter a campaign's recommended actions and templates by the guide for one alert."""
    allowed = allowed_actions(alert.category, alert.severity)
    suggested = {ActionType(code) for code in recommended} | {t.action_type for t in templates}
    return CampaignHelp(
        actions=[action for action in map(ActionType, recommended) if action in allowed],
        templates=[template for template in templates if template.action_type in allowed],
        withheld=[action for action in ActionType if action in suggested and action not in allowed],
    )


def alert_help(alert: Alert, country: str | None = None) -> AlertHelp:
    """Return the templates (in the thread's language), report route and authorities of an alert."""
    return alert_help_for([alert], country)[alert.id]


def alert_help_for(alerts: list[Alert], country: str | None = None) -> dict[int, AlertHelp]:
    """Return the guide's help on each alert (as alert_help) in a fixed number of queries."""
    campaign_templates_of = _campaign_templates_of(alerts)
    locale = str(get_locale() or "en")
    helps = {}
    for alert in alerts:
        language = template_language(alert.language, locale)
        # Only words for what this alert may be asked for: no reply templates under a threat.
        allowed = allowed_actions(alert.category, alert.severity)
        grouped: dict[ActionType, list[MessageTemplate]] = {
            action: [] for action in TEMPLATE_ACTIONS if action in allowed
        }
        for template in templates_for(alert.category, language=language):
            if template.action in grouped:
                grouped[template.action].append(template)
        campaign, own = campaign_templates_of.get(alert.id, (None, []))
        own = campaign_help(alert, [], own).templates
        helps[alert.id] = AlertHelp(
            alert=alert,
            language=language,
            templates=grouped,
            route=report_route(alert.platform),
            country=report_country(country),
            campaign=campaign,
            campaign_templates=own,
        )
    return helps

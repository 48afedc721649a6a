"""Use cases of campaigns: draft, edit, launch, end (organisers); join and leave (members)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from network import jobs
from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.alerts.models import Alert, AlertStatus, Category
from network.campaigns.mailing import member_for_token, record_launch_mail
from network.campaigns.models import Campaign, CampaignMember, CampaignStatus, CampaignTemplate
from network.coordination import feed
from network.db import utcnow
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.guidance import rules
from network.moderation import audit
from network.reach import later
from network.text import text_problem
from network.translation import gettext as _
from network.vocabulary import HELP_LANGUAGES, ActionType, Platform
from network.webhooks import outbox
from network.webhooks.models import WebhookEvent

log = logging.getLogger(__name__)
HASHTAG = re.compile(r"^#?[\w]{1,49}$")


@dataclass
class CampaignDraft:
    """What an organiser fills in for a campaign."""

    title: str
    starts_at: datetime
    ends_at: datetime
    goal: int
    hashtag: str = ""
    description: str = ""
    focus_categories: list[str] = field(default_factory=list)
    focus_platforms: list[str] = field(default_factory=list)
    recommended_actions: list[str] = field(default_factory=list)
    notify_by_email: bool = False


def _problems(draft: CampaignDraft) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not draft.title.strip():
        problems["title"] = _("Give the campaign a title.")
    # Title and hashtag go into mail subjects: a line break there would end the header.
    for name, text in (("title", draft.title), ("hashtag", draft.hashtag)):
        if text_problem(text) is not None:
            problems[name] = _("Keep this to one line, without line breaks or control characters.")
    if draft.hashtag.strip() and not HASHTAG.match(draft.hashtag.strip()):
        problems["hashtag"] = _(
            "A hashtag is one word of letters, digits or _, like #DatMeenJeNiet."
        )
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        problems["starts_at"] = _("Give the time with its time zone.")
    elif draft.ends_at <= draft.starts_at:
        problems["ends_at"] = _("The campaign must end after it starts.")
    if draft.goal < 1:
        problems["goal"] = _("The goal is at least one completed action.")
    checks = [
        ("focus_categories", draft.focus_categories, {c.value for c in Category}),
        ("focus_platforms", draft.focus_platforms, {p.value for p in Platform}),
        ("recommended_actions", draft.recommended_actions, {a.value for a in ActionType}),
    ]
    for name, chosen, allowed in checks:
        unknown = sorted(set(chosen) - allowed)
        if unknown:
            problems[name] = _("Unknown choice: %(codes)s.", codes=", ".join(unknown))
    if "recommended_actions" not in problems and "focus_categories" not in problems:
        unsafe = _against_guidance(draft.recommended_actions, draft.focus_categories)
        if unsafe:
            problems["recommended_actions"] = unsafe
    return problems


def _against_guidance(actions: list[str], focus: list[str]) -> str | None:
    """Say why an action may not be recommended for the focus; None when all may be.

    An empty focus means any category, so it counts as every category."""
    for action in actions:
        for category in focus or [kind.value for kind in Category]:
            if rules.never_asked(action, category):
                refusal = rules.refusal(action, category, severity=1)
                if focus:
                    return refusal
                return _(
                    "%(refusal)s A campaign without a category focus is about every category: "
                    "choose the categories it is for.",
                    refusal=refusal,
                )
    return None


def _apply(campaign: Campaign, draft: CampaignDraft) -> None:
    campaign.title = draft.title.strip()
    hashtag = draft.hashtag.strip()
    campaign.hashtag = ("#" + hashtag.lstrip("#")) if hashtag else ""
    campaign.description = draft.description.strip()
    campaign.starts_at, campaign.ends_at = draft.starts_at, draft.ends_at
    campaign.goal = draft.goal
    campaign.focus_categories = list(dict.fromkeys(draft.focus_categories))
    campaign.focus_platforms = list(dict.fromkeys(draft.focus_platforms))
    campaign.recommended_actions = list(dict.fromkeys(draft.recommended_actions))
    campaign.notify_by_email = draft.notify_by_email


def create_campaign(actor: Member, draft: CampaignDraft) -> Campaign:
    """Draft a campaign (organisers)."""
    require_organiser(actor)
    problems = _problems(draft)
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    campaign = Campaign(created_by_id=actor.id, status=CampaignStatus.DRAFT)
    _apply(campaign, draft)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.created", "campaign", campaign.id, title=campaign.title)
    db.session.commit()
    return campaign


def _campaign(campaign_id: int, *, lock: bool = False) -> Campaign:
    query = sa.select(Campaign).where(Campaign.id == campaign_id)
    campaign = db.session.scalar(query.with_for_update() if lock else query)
    if campaign is None:
        raise NotFound(_("This campaign does not exist."))
    return campaign


def update_campaign(actor: Member, campaign_id: int, draft: CampaignDraft) -> Campaign:
    """Change a draft or live campaign (organisers)."""
    require_organiser(actor)
    campaign = _campaign(campaign_id, lock=True)
    if campaign.status == CampaignStatus.ENDED:
        raise Conflict(_("An ended campaign cannot be changed."), code="campaign_ended")
    problems = _problems(draft)
    if "focus_categories" not in problems:
        # Its templates must suit the new focus as much as its recommended actions.
        kept = list(
            db.session.scalars(
                sa.select(CampaignTemplate.action_type)
                .where(CampaignTemplate.campaign_id == campaign.id)
                .distinct()
            )
        )
        unsafe = _against_guidance([str(action) for action in kept], draft.focus_categories)
        if unsafe:
            problems["focus_categories"] = _(
                "The campaign has message templates this focus may not have. %(reason)s",
                reason=unsafe,
            )
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    _apply(campaign, draft)
    audit.record(actor, "campaign.updated", "campaign", campaign.id)
    if campaign.status == CampaignStatus.LIVE:
        feed.announce_campaign(campaign)
    db.session.commit()
    return campaign


def launch_campaign(actor: Member, campaign_id: int) -> Campaign:
    """Launch a draft campaign: every member is told live, and by email if chosen."""
    require_organiser(actor)
    campaign = _campaign(campaign_id, lock=True)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(_("Only a draft campaign can be launched."), code="not_draft")
    if campaign.ends_at <= utcnow():
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"ends_at": _("This campaign has already ended.")},
        )
    campaign.status, campaign.launched_at = CampaignStatus.LIVE, utcnow()
    audit.record(actor, "campaign.launched", "campaign", campaign.id)
    feed.announce_campaign(campaign, launched=True)
    later.after_commit(jobs.PUSH_CAMPAIGN_LAUNCHED, campaign.id)
    outbox.announce(WebhookEvent.CAMPAIGN_LAUNCHED, campaign.id)
    db.session.commit()
    if campaign.notify_by_email:
        try:
            jobs.enqueue(jobs.ANNOUNCE_CAMPAIGN_LAUNCH, campaign.id)
        except Exception as error:  # the campaign is live: the organiser must see no mail went
            log.exception("campaign %s launch mail could not be queued", campaign.id)
            record_launch_mail(campaign.id, sent=0, failed=0, error=type(error).__name__)
    return campaign


def end_campaign(actor: Member, campaign_id: int) -> Campaign:
    """End a live campaign (organisers)."""
    require_organiser(actor)
    campaign = _campaign(campaign_id, lock=True)
    if campaign.status != CampaignStatus.LIVE:
        raise Conflict(_("Only a live campaign can be ended."), code="not_live")
    campaign.status, campaign.ended_at = CampaignStatus.ENDED, utcnow()
    audit.record(actor, "campaign.ended", "campaign", campaign.id)
    feed.announce_campaign(campaign)
    outbox.announce(WebhookEvent.CAMPAIGN_ENDED, campaign.id)
    db.session.commit()
    return campaign


def visible_campaign(actor: Member, campaign_id: int) -> Campaign:
    """Return a campaign the member may see: drafts only for organisers."""
    campaign = _campaign(campaign_id)
    if campaign.status == CampaignStatus.DRAFT and not actor.is_organiser:
        raise NotFound(_("This campaign does not exist."))
    return campaign


def join_campaign(actor: Member, campaign_id: int) -> Campaign:
    """Join a live campaign; joining twice changes nothing."""
    campaign = visible_campaign(actor, campaign_id)
    if campaign.status != CampaignStatus.LIVE:
        raise Conflict(_("Only live campaigns can be joined."), code="not_live")
    if db.session.get(CampaignMember, (campaign.id, actor.id)) is None:
        db.session.add(CampaignMember(campaign_id=campaign.id, member_id=actor.id))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
    return campaign


def leave_campaign(actor: Member, campaign_id: int) -> None:
    """Leave a campaign."""
    membership = db.session.get(CampaignMember, (campaign_id, actor.id))
    if membership is None:
        raise NotFound(_("You have not joined this campaign."))
    db.session.delete(membership)
    db.session.commit()


def attach_alert(actor: Member, campaign_id: int, alert_id: int) -> Alert:
    """Put an open alert into a live campaign (organisers)."""
    require_organiser(actor)
    campaign = _campaign(campaign_id)
    if campaign.status != CampaignStatus.LIVE:
        raise Conflict(_("Alerts can only be added to a live campaign."), code="not_live")
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_("This alert does not exist."))
    if alert.status not in (AlertStatus.OPEN, AlertStatus.PENDING_REVIEW):
        raise Conflict(_("Only active alerts can be added to a campaign."), code="alert_closed")
    alert.campaign_id = campaign.id
    audit.record(actor, "campaign.alert_added", "campaign", campaign.id, alert_id=alert.id)
    if feed.in_feed(alert):
        feed.announce_alert(alert)
        feed.announce_campaign(campaign)
    db.session.commit()
    return alert


def add_template(
    actor: Member, campaign_id: int, *, action_type: str, language: str, body: str
) -> CampaignTemplate:
    """Add a campaign message template (organisers)."""
    require_organiser(actor)
    campaign = _campaign(campaign_id)
    problems: dict[str, str] = {}
    if action_type not in {a.value for a in ActionType}:
        problems["action_type"] = _("Choose one of the seven actions.")
    if language not in HELP_LANGUAGES:
        problems["language"] = _("Choose one of: %(options)s.", options=", ".join(HELP_LANGUAGES))
    if not body.strip():
        problems["body"] = _("Write the message.")
    if "action_type" not in problems:
        unsafe = _against_guidance([action_type], list(campaign.focus_categories))
        if unsafe:
            problems["action_type"] = unsafe
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    template = CampaignTemplate(
        campaign_id=campaign.id,
        action_type=ActionType(action_type),
        language=language,
        body=body.strip()[:1000],
    )
    db.session.add(template)
    db.session.commit()
    return template


def stop_campaign_mail(token: str) -> Member | None:
    """Stop campaign mail for the member a signed link was made for; None when it is not valid."""
    member = member_for_token(token)
    if member is None:
        return None
    member.campaign_mail = False
    db.session.commit()
    return member

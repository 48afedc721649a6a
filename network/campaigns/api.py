"""API resources: campaigns, launching and ending them, joining, alerts and templates."""

from __future__ import annotations

from network.accounts.models import Member
from network.alerts.schemas import AlertOut, alert_out
from network.api import operation
from network.api.pagination import decode_cursor, encode_cursor
from network.campaigns import queries, services
from network.campaigns.models import Campaign
from network.campaigns.schemas import (
    AttachAlertIn,
    CampaignIn,
    CampaignListQuery,
    CampaignOut,
    CampaignPage,
    TemplateIn,
    TemplateOut,
)


def _draft(body: CampaignIn) -> services.CampaignDraft:
    return services.CampaignDraft(
        title=body.title,
        hashtag=body.hashtag,
        description=body.description,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        goal=body.goal,
        focus_categories=[c.value for c in body.focus_categories],
        focus_platforms=[p.value for p in body.focus_platforms],
        recommended_actions=[a.value for a in body.recommended_actions],
        notify_by_email=body.notify_by_email,
    )


def campaign_out(actor: Member, campaign: Campaign) -> CampaignOut:
    return CampaignOut.of(
        campaign,
        done=queries.progress([campaign.id]).get(campaign.id, 0),
        joined=bool(queries.joined(actor, [campaign.id])),
        member_count=queries.member_count(campaign.id),
        launch_mail=queries.launch_mail(campaign.id) if actor.is_organiser else None,
    )


@operation("/campaigns", "GET", tag="campaigns", query=CampaignListQuery, response=CampaignPage)
def list_campaigns(actor: Member, query: CampaignListQuery) -> CampaignPage:
    """List campaigns, newest first (drafts only for organisers)."""
    position = decode_cursor(query.cursor)
    after = position.get("id") if position else None
    found = queries.campaigns_for(
        actor,
        status=query.status.value if query.status else None,
        after_id=after if isinstance(after, int) else None,
        limit=query.limit + 1,
    )
    page, more = found[: query.limit], len(found) > query.limit
    done = queries.progress([c.id for c in page])
    mine = queries.joined(actor, [c.id for c in page])
    return CampaignPage(
        items=[
            CampaignOut.of(
                c,
                done=done.get(c.id, 0),
                joined=c.id in mine,
                member_count=queries.member_count(c.id),
            )
            for c in page
        ],
        next_cursor=encode_cursor({"id": page[-1].id}) if more else None,
    )


@operation(
    "/campaigns",
    "POST",
    tag="campaigns",
    body=CampaignIn,
    response=CampaignOut,
    status=201,
    errors=(403,),
)
def create_campaign(actor: Member, body: CampaignIn) -> CampaignOut:
    """Draft a campaign (organisers)."""
    return campaign_out(actor, services.create_campaign(actor, _draft(body)))


@operation(
    "/campaigns/<int:campaign_id>", "GET", tag="campaigns", response=CampaignOut, errors=(404,)
)
def get_campaign(actor: Member, campaign_id: int) -> CampaignOut:
    """Return one campaign with its progress."""
    return campaign_out(actor, services.visible_campaign(actor, campaign_id))


@operation(
    "/campaigns/<int:campaign_id>",
    "PUT",
    tag="campaigns",
    body=CampaignIn,
    response=CampaignOut,
    errors=(403, 404, 409),
)
def update_campaign(actor: Member, campaign_id: int, body: CampaignIn) -> CampaignOut:
    """Change a draft or live campaign (organisers)."""
    return campaign_out(actor, services.update_campaign(actor, campaign_id, _draft(body)))


@operation(
    "/campaigns/<int:campaign_id>/launch",
    "POST",
    tag="campaigns",
    response=CampaignOut,
    errors=(403, 404, 409),
)
def launch_campaign(actor: Member, campaign_id: int) -> CampaignOut:
    """Launch a draft campaign; members are told live (and by email if chosen)."""
    return campaign_out(actor, services.launch_campaign(actor, campaign_id))


@operation(
    "/campaigns/<int:campaign_id>/end",
    "POST",
    tag="campaigns",
    response=CampaignOut,
    errors=(403, 404, 409),
)
def end_campaign(actor: Member, campaign_id: int) -> CampaignOut:
    """End a live campaign (organisers)."""
    return campaign_out(actor, services.end_campaign(actor, campaign_id))


@operation(
    "/campaigns/<int:campaign_id>/members",
    "POST",
    tag="campaigns",
    response=CampaignOut,
    errors=(404, 409),
)
def join_campaign(actor: Member, campaign_id: int) -> CampaignOut:
    """Join a live campaign."""
    return campaign_out(actor, services.join_campaign(actor, campaign_id))


@operation(
    "/campaigns/<int:campaign_id>/members/me", "DELETE", tag="campaigns", status=204, errors=(404,)
)
def leave_campaign(actor: Member, campaign_id: int) -> None:
    """Leave a campaign."""
    services.leave_campaign(actor, campaign_id)


@operation(
    "/campaigns/<int:campaign_id>/alerts",
    "POST",
    tag="campaigns",
    body=AttachAlertIn,
    response=AlertOut,
    errors=(403, 404, 409),
)
def attach_alert(actor: Member, campaign_id: int, body: AttachAlertIn) -> AlertOut:
    """Put an active alert into a live campaign (organisers)."""
    return alert_out(actor, services.attach_alert(actor, campaign_id, body.alert_id))


@operation(
    "/campaigns/<int:campaign_id>/templates",
    "POST",
    tag="campaigns",
    body=TemplateIn,
    response=TemplateOut,
    status=201,
    errors=(403, 404),
)
def add_template(actor: Member, campaign_id: int, body: TemplateIn) -> TemplateOut:
    """Add a message template to a campaign (organisers)."""
    template = services.add_template(
        actor,
        campaign_id,
        action_type=body.action_type.value,
        language=body.language,
        body=body.body,
    )
    return TemplateOut.of(template)

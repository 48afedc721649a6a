"""Pages: campaigns, one campaign with live progress, and the organiser's editor."""

from __future__ import annotations

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.accounts.sessions import organisers_only
from network.campaigns import queries, services
from network.campaigns.forms import AddAlertForm, CampaignForm, ConfirmForm, TemplateForm
from network.campaigns.models import CampaignStatus
from network.coordination.feed import campaign_payload
from network.errors import ServiceError
from network.extensions import csrf
from network.forms import show_service_error
from network.guidance.queries import campaign_help
from network.guidance.rules import restrictions
from network.ids import is_id
from network.translation import gettext as _

campaigns = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _zone() -> ZoneInfo:
    return ZoneInfo(_me().time_zone)


def _aware(moment: datetime | None) -> datetime:
    # The form's datetime-local fields are in the organiser's own time zone.
    assert moment is not None
    return moment.replace(tzinfo=_zone())


def _draft(form: CampaignForm) -> services.CampaignDraft:
    return services.CampaignDraft(
        title=form.title.data or "",
        hashtag=form.hashtag.data or "",
        description=form.description.data or "",
        starts_at=_aware(form.starts_at.data),
        ends_at=_aware(form.ends_at.data),
        goal=int(form.goal.data or 0),
        focus_categories=list(form.focus_categories.data or []),
        focus_platforms=list(form.focus_platforms.data or []),
        recommended_actions=list(form.recommended_actions.data or []),
        notify_by_email=bool(form.notify_by_email.data),
    )


@campaigns.get("/")
@login_required
def index() -> str:
    """List campaigns with their progress."""
    found = queries.campaigns_for(_me(), limit=100)
    return render_template(
        "campaigns/index.html",
        campaigns=found,
        done=queries.progress([c.id for c in found]),
        joined=queries.joined(_me(), [c.id for c in found]),
    )


@campaigns.route("/new", methods=["GET", "POST"])
@organisers_only
def new() -> str | Response:
    """Draft a new campaign (organisers)."""
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            campaign = services.create_campaign(_me(), _draft(form))
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Campaign drafted. Launch it when it is ready."), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=None)


@campaigns.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@organisers_only
def edit(campaign_id: int) -> str | Response:
    """Change a campaign (organisers)."""
    campaign = services.visible_campaign(_me(), campaign_id)
    form = CampaignForm(obj=campaign)
    if not form.is_submitted():
        form.starts_at.data = campaign.starts_at.astimezone(_zone()).replace(tzinfo=None)
        form.ends_at.data = campaign.ends_at.astimezone(_zone()).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            services.update_campaign(_me(), campaign_id, _draft(form))
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Campaign saved."), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


@campaigns.get("/<int:campaign_id>")
@login_required
def show(
    campaign_id: int,
    add_alert_form: AddAlertForm | None = None,
    template_form: TemplateForm | None = None,
) -> str:
    """Show a campaign: what to do, its open alerts, progress toward the goal (live)."""
    campaign = services.visible_campaign(_me(), campaign_id)
    static = current_app.static_folder or ""
    organiser = _me().is_organiser
    alerts = queries.open_alerts(campaign.id)
    templates = queries.templates_of(campaign.id)
    # Next to each alert only what the guide allows there: no reply ideas under a threat.
    help_for = {
        alert.id: campaign_help(alert, list(campaign.recommended_actions), templates)
        for alert in alerts
    }
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        socket_client=os.path.exists(os.path.join(static, "vendor", "socket.io.min.js")),
        done=queries.progress([campaign.id]).get(campaign.id, 0),
        joined=bool(queries.joined(_me(), [campaign.id])),
        member_count=queries.member_count(campaign.id),
        alerts=alerts,
        templates=templates,
        help_for=help_for,
        form=ConfirmForm(),
        add_alert_form=add_alert_form or AddAlertForm(),
        template_form=template_form or TemplateForm(),
        suggestions=(
            queries.suggested_alerts(campaign)
            if organiser and campaign.status == CampaignStatus.LIVE
            else []
        ),
        launch_mail=queries.launch_mail(campaign.id) if organiser else None,
        action_restrictions=restrictions,
    )


@campaigns.get("/<int:campaign_id>/progress")
@login_required
def progress(campaign_id: int) -> Response:
    """Return the campaign's progress as JSON (the page polls it without a live connection)."""
    campaign = services.visible_campaign(_me(), campaign_id)
    return jsonify(campaign_payload(campaign))


def _button(campaign_id: int, action: str) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    steps = {
        "launch": (services.launch_campaign, _("The campaign is live. Members see it now.")),
        "end": (services.end_campaign, _("The campaign has ended.")),
        "join": (services.join_campaign, _("You joined the campaign. Thank you!")),
    }
    try:
        if action == "leave":
            services.leave_campaign(_me(), campaign_id)
            flash(_("You left the campaign."), "info")
        else:
            step, message = steps[action]
            step(_me(), campaign_id)
            flash(message, "success")
    except ServiceError as error:
        flash(error.message, "error")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@campaigns.post("/<int:campaign_id>/launch")
@login_required
def launch(campaign_id: int) -> Response:
    """Launch a draft campaign."""
    return _button(campaign_id, "launch")


@campaigns.post("/<int:campaign_id>/end")
@login_required
def end(campaign_id: int) -> Response:
    """End a live campaign."""
    return _button(campaign_id, "end")


@campaigns.post("/<int:campaign_id>/join")
@login_required
def join(campaign_id: int) -> Response:
    """Join a live campaign."""
    return _button(campaign_id, "join")


@campaigns.post("/<int:campaign_id>/leave")
@login_required
def leave(campaign_id: int) -> Response:
    """Leave a campaign."""
    return _button(campaign_id, "leave")


# An alert's number, or a link whose path ends in /alerts/<number> (with or without a slash).
ALERT_REFERENCE = re.compile(r"^\s*(?:#?(\d{1,10})|\S*/alerts/(\d{1,10})/?(?:[?#]\S*)?)\s*$")


def alert_id_from(reference: str) -> int | None:
    """Return the alert id in "42", "#42" or a link to an alert's page; None otherwise."""
    match = ALERT_REFERENCE.match(reference)
    number = int(match[1] or match[2]) if match else None
    return number if is_id(number) else None


@campaigns.post("/<int:campaign_id>/alerts")
@organisers_only
def add_alert(campaign_id: int) -> str | Response:
    """Put an open alert into a live campaign (organisers)."""
    form = AddAlertForm()
    if form.validate_on_submit():
        alert_id = alert_id_from(form.alert.data or "")
        if alert_id is None:
            form.alert.errors = [_("Give the alert's number or the link to its page.")]
        else:
            try:
                services.attach_alert(_me(), campaign_id, alert_id)
            except ServiceError as error:
                form.alert.errors = [error.message]
            else:
                flash(_("The alert is part of the campaign now."), "success")
                return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return show(campaign_id, add_alert_form=form)


@campaigns.post("/<int:campaign_id>/templates")
@organisers_only
def add_template(campaign_id: int) -> str | Response:
    """Add a message template to a campaign (organisers)."""
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            services.add_template(
                _me(),
                campaign_id,
                action_type=form.action_type.data or "",
                language=form.language.data or "",
                body=form.body.data or "",
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Message template added."), "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return show(campaign_id, template_form=form)


@campaigns.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients POST without a session
def unsubscribe(token: str) -> Response:
    """Confirm (GET) or perform (POST, also RFC 8058 one-click) stopping campaign mail."""
    if request.method == "GET":
        member = services.member_for_token(token)
    else:
        member = services.stop_campaign_mail(token)
    page = render_template(
        "campaigns/unsubscribe.html",
        token=token,
        done=request.method == "POST",
        valid=member is not None,
    )
    return make_response(page, 200 if member is not None else 400)

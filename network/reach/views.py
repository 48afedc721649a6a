"""Pages of reach: notifications settings, the "I'll help" link, group chats, the push worker."""

from __future__ import annotations

from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from network.accounts.models import Member
from network.config import PROJECT_ROOT
from network.errors import Conflict, ServiceError
from network.forms import show_service_error
from network.reach import ask_links, chats, services
from network.reach.forms import GroupChatForm, ReachSettingsForm, RemoveForm
from network.reach.quiet import clock
from network.reach.vapid import application_server_key
from network.translation import gettext as _

reach = Blueprint("reach", __name__)


def _me() -> Member:
    return cast(Member, current_user._get_current_object())


@reach.route("/profile/reach", methods=["GET", "POST"])
@login_required
def notifications() -> str | BaseResponse:
    """Show and change what is pushed or mailed, and this member's push subscriptions."""
    member = _me()
    settings = services.settings_of(member.id)
    form = ReachSettingsForm(
        data={
            "team_alerts": settings.team_alerts,
            "severe_alerts": settings.severe_alerts,
            "campaign_launches": settings.campaign_launches,
            "reviews": settings.reviews,
            "ask_mail": settings.ask_mail,
            "detailed": settings.detailed,
            "quiet_from": clock(settings.quiet_from),
            "quiet_until": clock(settings.quiet_until),
        }
    )
    if form.validate_on_submit():
        try:
            services.update_settings(
                member,
                **{name: bool(form[name].data) for name in services.SETTING_FIELDS},
                quiet_from=form.quiet_from.data,
                quiet_until=form.quiet_until.data,
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("reach.notifications"))
    return render_template(
        "reach/notifications.html",
        form=form,
        member=member,
        subscriptions=services.subscriptions_of(member),
        remove_form=RemoveForm(formdata=None),
        server_key=application_server_key(),
    )


@reach.post("/profile/reach/subscriptions/<int:subscription_id>/remove")
@login_required
def remove_subscription(subscription_id: int) -> BaseResponse:
    """Remove one push subscription from the notifications page."""
    if RemoveForm().validate_on_submit():
        try:
            services.unsubscribe(_me(), subscription_id)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("This device gets no more push notifications."), "success")
    return redirect(url_for("reach.notifications"))


@reach.get("/asks/help/<token>")
@login_required
def help_by_link(token: str) -> tuple[str, int] | BaseResponse:
    """Accept a personal ask from its emailed link (once) and open the alert."""
    try:
        ask = ask_links.accept_by_link(_me(), token)
    except Conflict as error:
        return render_template("reach/link.html", message=error.message), 410
    except ServiceError as error:
        return render_template("reach/link.html", message=error.message), 404
    flash(_("Thank you for helping! Choose what you will do."), "success")
    return redirect(url_for("alerts.show", alert_id=ask.alert_id))


def _chat_form() -> GroupChatForm:
    form = GroupChatForm()
    form.team_id.choices = [("", _("The whole network"))] + [
        (str(team.id), team.name) for team in chats.all_teams()
    ]
    return form


@reach.route("/chats", methods=["GET", "POST"])
@login_required
def group_chats() -> str | BaseResponse:
    """List and connect group chats (organisers)."""
    member = _me()
    if not member.is_organiser:
        abort(403)
    form = _chat_form()
    if form.validate_on_submit():
        try:
            chats.connect_chat(
                member,
                name=form.name.data or "",
                url=form.url.data or "",
                team_id=int(form.team_id.data) if form.team_id.data else None,
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("The chat is connected."), "success")
            return redirect(url_for("reach.group_chats"))
    teams = {team.id: team.name for team in chats.all_teams()}
    return render_template(
        "reach/chats.html",
        form=form,
        chats=chats.chats(),
        teams=teams,
        remove_form=RemoveForm(formdata=None),
    )


@reach.post("/chats/<int:chat_id>/remove")
@login_required
def remove_chat(chat_id: int) -> BaseResponse:
    """Disconnect a group chat (organisers)."""
    if RemoveForm().validate_on_submit():
        try:
            chats.disconnect_chat(_me(), chat_id)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The chat is disconnected."), "success")
    return redirect(url_for("reach.group_chats"))


@reach.get("/push-sw.js")
def push_worker() -> Response:
    """Serve the push service worker from the site's root, so its scope is the whole site."""
    response = send_from_directory(PROJECT_ROOT / "static" / "js", "push-sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response

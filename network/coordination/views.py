"""The live feed page: open alerts by urgency, what each still needs, claims, asks and guidance.

Every card is rendered on the server, for the page, for the list fragment the page polls when it
has no socket, and for the one-card fragment it fetches when a feed event names an alert."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request
from flask import url_for as _url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from network.accounts.models import Member
from network.alerts import policy
from network.alerts import queries as alert_queries
from network.alerts.models import Alert, AlertStatus
from network.api.pagination import decode_cursor, encode_cursor
from network.campaigns import queries as campaign_queries
from network.coordination import asks, queries, services
from network.coordination.feed import in_feed
from network.coordination.limits import CLAIM_LIMIT
from network.coordination.models import Action, ActionStatus, Ask
from network.coordination.needs import PUBLIC_VOICES, Need
from network.db import utcnow
from network.errors import ServiceError
from network.forms import form_text
from network.guidance.actions import ground_rule, guidance_for, why_these_words
from network.guidance.queries import AlertHelp, alert_help_for
from network.learning import checkins
from network.realtime.log import latest_event_id
from network.translation import gettext as _
from network.translation import ngettext
from network.vocabulary import ACTION_ORDER, ActionType, action_info, action_label

coordination = Blueprint("coordination", __name__, url_prefix="/feed")
PAGE_SIZE = 20
SOCKET_CLIENT = ("vendor", "socket.io.min.js")


@dataclass
class Card:
    """One open alert as the member sees it in the feed."""

    alert: Alert
    needs: dict[ActionType, Need]
    claimable: list[ActionType] = field(default_factory=list)
    claimed_by_me: list[Action] = field(default_factory=list)
    done_by_me: list[Action] = field(default_factory=list)
    ask: Ask | None = None
    help: AlertHelp | None = None  # the guide's words and routes, for the member's own claims

    @property
    def needs_text(self) -> str:
        return needs_in_words(self.needs)

    @property
    def claimed(self) -> int:
        return sum(need.claimed for need in self.needs.values())

    @property
    def done(self) -> int:
        return sum(need.done for need in self.needs.values())

    @property
    def sort_key(self) -> str:
        """Sort ascending into the feed's urgency order (the same as list_alerts)."""
        created = self.alert.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
        helped = 0 if self.alert.target_requested_help else 1
        return f"{9 - self.alert.severity}{helped}{created}{self.alert.id:012d}"


def _need_phrase(action: ActionType, number: int) -> str:
    if action == ActionType.REPORT_PLATFORM:
        return ngettext("%(num)d report to the platform", "%(num)d reports to the platform", number)
    if action == ActionType.REPORT_AUTHORITY:
        return ngettext(
            "%(num)d report to the police or a hotline",
            "%(num)d reports to the police or a hotline",
            number,
        )
    if action == ActionType.SUPPORT_TARGET_PRIVATE:
        return ngettext(
            "%(num)d private message to the target",
            "%(num)d private messages to the target",
            number,
        )
    if action == ActionType.MESSAGE_AUTHOR:
        return ngettext(
            "%(num)d private word with the author", "%(num)d private words with the author", number
        )
    return ngettext(
        "%(num)d trusted person brought in", "%(num)d trusted people brought in", number
    )


def needs_in_words(needs: dict[ActionType, Need]) -> str:
    """Say what an alert still needs: "2 reports to the platform; 1 of 3 public voices reached"."""
    parts = [
        _need_phrase(action, needs[action].open)
        for action in ACTION_ORDER
        if action not in PUBLIC_VOICES and needs[action].open > 0
    ]
    goal = max((needs[action].wanted for action in PUBLIC_VOICES), default=0)
    voices = ""
    if goal:
        taken = sum(needs[action].claimed + needs[action].done for action in PUBLIC_VOICES)
        voices = ngettext(
            "%(taken)d of %(num)d public voice reached",
            "%(taken)d of %(num)d public voices reached",
            goal,
            taken=min(taken, goal),
        )
    if not parts and not voices:
        return _("Nothing more is needed right now. Thank you!")
    return "; ".join(part for part in (", ".join(parts), voices) if part)


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def build_cards(member: Member, alerts: list[Alert], asked: dict[int, Ask]) -> list[Card]:
    """Combine alerts with their live needs, the member's own claims and personal asks."""
    needs = queries.needs_for_many(alerts)
    mine = queries.claims_of(member, [alert.id for alert in alerts])
    now = utcnow()
    cards = []
    for alert in alerts:
        card = Card(alert, needs[alert.id], ask=asked.get(alert.id))
        for action in mine.get(alert.id, []):
            if action.status == ActionStatus.DONE:
                card.done_by_me.append(action)
            elif action.expires_at > now:
                card.claimed_by_me.append(action)
        taken = {action.type for action in card.claimed_by_me + card.done_by_me}
        if taken.intersection(PUBLIC_VOICES):
            # One public slot per member: several different voices are what works.
            taken.update(PUBLIC_VOICES)
        card.claimable = [
            action for action in ACTION_ORDER if card.needs[action].open > 0 and action not in taken
        ]
        cards.append(card)
    claimed = [card.alert for card in cards if card.claimed_by_me]
    helps = alert_help_for(claimed) if claimed else {}
    for card in cards:
        card.help = helps.get(card.alert.id)
    return cards


def _page(member: Member, cursor: str | None) -> dict[str, Any]:
    """Return the asks on top, one page of open alerts, and the cursor of the next page."""
    try:
        after = decode_cursor(cursor)
    except ServiceError:
        after, cursor = None, None
    filters = alert_queries.AlertFilters(status=AlertStatus.OPEN)
    found = alert_queries.list_alerts(member, filters, after=after, limit=PAGE_SIZE + 1)
    next_cursor = None
    if len(found) > PAGE_SIZE:
        next_cursor = encode_cursor(alert_queries.position_of(found[PAGE_SIZE - 1]))
    asked = {ask.alert_id: ask for ask in queries.pending_asks(member)}
    listed = [alert for alert in found[:PAGE_SIZE] if in_feed(alert) and alert.id not in asked]
    asked_alerts = [
        alert
        for alert in alert_queries.alerts_by_urgency(list(asked))
        if in_feed(alert) and policy.can_see(member, alert)
    ]
    return {
        "asked": build_cards(member, asked_alerts, asked),
        "cards": build_cards(member, listed, {}),
        "cursor": cursor or "",
        "next_cursor": next_cursor,
    }


def _socket_client_available() -> bool:
    return os.path.exists(os.path.join(current_app.static_folder or "", *SOCKET_CLIENT))


@coordination.context_processor
def _feed_helpers() -> dict[str, object]:
    return {
        "guidance_for": guidance_for,
        "ground_rule": ground_rule,
        "why_these_words": why_these_words,
        "action_info": action_info,
    }


@coordination.get("/")
@login_required
def feed() -> str:
    """Show open alerts by urgency, with personal asks on top; live when the socket client loads."""
    member = _me()
    # Read the event id first: anything after it is replayed to the socket on connect.
    last_event_id = latest_event_id()
    live = campaign_queries.campaigns_for(member, status="live", limit=5)
    return render_template(
        "feed/index.html",
        **_page(member, request.args.get("cursor")),
        last_event_id=last_event_id,
        socket_client=_socket_client_available(),
        campaigns=live,
        campaign_done=campaign_queries.progress([c.id for c in live]),
        check_ins=checkins.open_for(member),
    )


@coordination.get("/list")
@login_required
def feed_list() -> Response:
    """Render the feed's list alone, for pages that refresh without a socket."""
    last_event_id = latest_event_id()
    response = Response(
        render_template("feed/_body.html", **_page(_me(), request.args.get("cursor")))
    )
    # The list reflects every event up to here; a socket that connects later replays the rest.
    response.headers["X-Feed-Event-Id"] = str(last_event_id)
    return response


@coordination.get("/alerts/<int:alert_id>/card")
@login_required
def card(alert_id: int) -> str | Response:
    """Render one alert's card; 204 when it left the feed, 404 when the member may not see it."""
    member = _me()
    alert = alert_queries.alert_for(member, alert_id)
    if not in_feed(alert):
        return Response(status=204)
    asked = {ask.alert_id: ask for ask in queries.pending_asks(member) if ask.alert_id == alert.id}
    [found] = build_cards(member, [alert], asked)
    return render_template("feed/_card.html", card=found, cursor=request.args.get("cursor", ""))


def _back(alert_id: int | None = None) -> BaseResponse:
    cursor = request.form.get("cursor") or None
    target = _url_for("coordination.feed", cursor=cursor)
    return redirect(f"{target}#alert-{alert_id}" if alert_id else target)


def _refused(error: ServiceError) -> None:
    flash(" ".join([error.message, *error.fields.values()]), "error")


@coordination.post("/alerts/<int:alert_id>/claim")
@login_required
@CLAIM_LIMIT
def claim(alert_id: int) -> BaseResponse:
    """Claim one action on an alert (this also accepts a personal ask for it)."""
    try:
        action = services.claim_action(
            _me(),
            alert_id,
            action_type=request.form.get("type", ""),
            anonymous=request.form.get("anonymous") in {"1", "on", "y", "true"},
        )
    except ServiceError as error:
        _refused(error)
    else:
        flash(
            _(
                "You took on: %(action)s. Thank you! How to do it is on the alert below.",
                action=action_label(action.type),
            ),
            "success",
        )
    return _back(alert_id)


@coordination.post("/actions/<int:action_id>")
@login_required
def update(action_id: int) -> BaseResponse:
    """Mark one's own claimed action done (with a private note) or release it."""
    status = request.form.get("status", "")
    try:
        action = services.update_action(
            _me(), action_id, status=status, note=form_text("note", multiline=True)
        )
    except ServiceError as error:
        _refused(error)
        return _back()
    label = action_label(action.type)
    if action.status == ActionStatus.DONE:
        flash(_("Done: %(action)s. Thank you for speaking up!", action=label), "success")
    else:
        flash(_("You released %(action)s; another member can take it on.", action=label), "info")
    return _back(action.alert_id)


@coordination.post("/asks/<int:ask_id>/decline")
@login_required
def decline(ask_id: int) -> BaseResponse:
    """Decline a personal ask; another member is asked instead."""
    try:
        asks.decline_ask(_me(), ask_id)
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("You declined the ask. Another member will be asked instead."), "info")
    return _back()

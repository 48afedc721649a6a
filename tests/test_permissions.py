"""The permission matrix: every route, API operation and socket event, for every role.

One row per (method, rule) of the URL map and per Socket.IO event on /feed; a route without a row
fails the test. The roles (see tests/world.py): a visitor, a member at trust 0 (who reported the
pending alert), a member at trust 2 (who claimed the action and owns the ask, the digest, the
practice answer and the unsubscribe link, and joined the live campaign), a member of the team in
the URL, the reporter of the open alert, an organiser and an admin.

Every request carries what a browser or a client would send, a valid CSRF token (pages) or the
member's bearer token (API), and a valid body, so the permission check alone decides. A cell says:

- OK: allowed: a 2xx answer or a redirect away from the login page, and for a state change the
  database changed;
- LOGIN: log in first: a redirect to /login for pages, 401 for the API;
- UNCHANGED: a page form that answered (a redirect with a message, or the form again) and
  changed nothing: how pages refuse what a member may not do;
- a status code: exactly that answer, e.g. 403 or 404 (what a member may not see does not exist);
- for sockets, REFUSED (no connection) or the error a "watch" answers with.

A key's third part names a variant: the same route aimed at another object of the world ("pending"
alert, "draft" campaign).

And whatever a role is refused changes nothing in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask

from network.db import utcnow
from network.extensions import socketio
from network.learning.export import parquet_available
from network.realtime import NAMESPACE
from tests.sockets import socket_clients
from tests.world import (
    PUSH_KEY,
    ROLES,
    World,
    browser_of,
    fill,
    rolled_back,
    rules_of,
    visit,
    world,
)

__all__ = ["world"]

OK, LOGIN, UNCHANGED = "ok", "login", "unchanged"
REFUSED = "refused"  # sockets: the connection is refused
MEMBERS = ROLES[1:]
ORGANISERS = ("organiser", "admin")

Expect = str | int
Body = dict[str, Any] | Callable[[World, str], dict[str, Any]] | None


# --- who may: the usual columns -------------------------------------------------------------------


def anyone(**cells: Expect) -> dict[str, Expect]:
    """Public: everyone, visitors included."""
    return {role: OK for role in ROLES} | cells


def members(**cells: Expect) -> dict[str, Expect]:
    """Every logged-in member; visitors log in first."""
    return {"visitor": LOGIN} | {role: OK for role in MEMBERS} | cells


def only(*allowed: str, others: Expect, **cells: Expect) -> dict[str, Expect]:
    """Only these roles; the other members get `others`; visitors log in first."""
    return (
        {"visitor": LOGIN} | {role: OK if role in allowed else others for role in MEMBERS} | cells
    )


def organisers(others: Expect = 403, **cells: Expect) -> dict[str, Expect]:
    """Organisers and admins only."""
    return only(*ORGANISERS, others=others, **cells)


@dataclass(frozen=True)
class Row:
    """The expected answer per role, and what the request sends."""

    roles: dict[str, Expect]
    form: Body = None  # page form fields (the CSRF token is added)
    json: Body = None  # API body
    ids: dict[str, str] = field(default_factory=dict)  # URL variable → another world object
    changes: bool | None = None  # does an allowed request change the database? (not for GET)


# --- request bodies -------------------------------------------------------------------------------


def _in_days(days: int) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


ALERT_JSON = {
    "url": "https://www.instagram.com/p/matrix-new/",
    "category": "hate",
    "severity": 2,
    "summary": "Comments mocking a boy for his accent.",
    "language": "en",
}
ALERT_FORM = ALERT_JSON | {"responder_goal": "3", "team_id": ""}
CAMPAIGN_JSON = {
    "title": "Kindness week",
    "starts_at": "2030-03-01T09:00:00+01:00",
    "ends_at": "2030-03-08T09:00:00+01:00",
    "goal": 20,
}
CAMPAIGN_FORM = {"title": "Kindness week", "goal": "20"}
# A public address written as one: registering needs no DNS answer in the tests.
WEBHOOK_JSON = {"url": "https://93.184.215.14/hook", "events": ["alert.live"]}
WEBHOOK_FORM = {"url": "https://93.184.215.14/hook", "events": "alert.live", "description": "Bot"}
EXPERIMENT_JSON = {"name": "Share or team", "arms": ["invitation", "team"]}
# The world has a running experiment: starting a second one is refused.
EXPERIMENT_FORM = {
    "name": "Share or team",
    "control": "invitation",
    "arm2": "team",
    "arm3": "",
    "arm4": "",
    "minimum_effect": "5",
}
NOTICE_FORM = {
    "explanation": "The comments call for violence against a religious group.",
    "name": "A Member",
    "email": "member@example.org",
}


def campaign_form(_world: World, _role: str) -> dict[str, Any]:
    return CAMPAIGN_FORM | {"starts_at": _in_days(1), "ends_at": _in_days(8)}


def own_password(world: World, role: str) -> dict[str, Any]:
    member = world.members.get(role)
    return {"password": member.password if member else "", "confirm": "y"}


def password_change(world: World, role: str) -> dict[str, Any]:
    member = world.members.get(role)
    current = member.password if member else ""
    return {"current_password": current, "new_password": "a brand new passphrase 42"}


def email_change(world: World, role: str) -> dict[str, Any]:
    member = world.members.get(role)
    return {"new_email": f"new-{role}@example.org", "password": member.password if member else ""}


def token_create(world: World, role: str) -> dict[str, Any]:
    member = world.members.get(role)
    return {"token-name": "script", "token-password": member.password if member else ""}


def credentials(world: World, _role: str) -> dict[str, Any]:
    return {"email": world.members["trust2"].email, "password": world.members["trust2"].password}


def invite(world: World, _role: str) -> dict[str, Any]:
    return {"invite_code": world.ids["invite_code"]}


def invite_form(world: World, _role: str) -> dict[str, Any]:
    return {"join-invite_code": world.ids["invite_code"]}


def the_open_alert(world: World, _role: str) -> dict[str, Any]:
    return {"alert_id": world.ids["alert_id"]}


def the_alert_reference(world: World, _role: str) -> dict[str, Any]:
    return {"alert": str(world.ids["alert_id"])}


PENDING = {"alert_id": "pending_alert"}
CAMPAIGN_MAIL_TOKEN = {"token": "campaign_mail_token"}
DRAFT = {"campaign_id": "draft_campaign"}
SIGN_UP = {
    "email": "newcomer@example.org",
    "password": "stand up for each other",
    "display_name": "Newcomer",
    "pledge_accepted": True,
}


# --- the matrix -----------------------------------------------------------------------------------

MATRIX: dict[tuple[str, ...], Row] = {
    # public pages
    ("GET", "/"): Row(anyone()),
    ("GET", "/code-of-conduct"): Row(anyone()),
    ("GET", "/privacy"): Row(anyone()),
    ("GET", "/healthz"): Row(anyone()),
    ("GET", "/favicon.ico"): Row(anyone()),
    # the installable app: the shell is the same for everyone; sharing needs a member
    ("GET", "/manifest.webmanifest"): Row(anyone()),
    ("GET", "/sw.js"): Row(anyone()),
    ("GET", "/offline"): Row(anyone()),
    ("GET", "/share"): Row(members()),
    ("GET", "/guides/"): Row(anyone()),
    ("GET", "/guides/<action>"): Row(anyone()),
    ("GET", "/digests/unsubscribe/<token>"): Row(anyone()),  # the signed link is the credential
    ("POST", "/digests/unsubscribe/<token>"): Row(anyone()),
    # accounts
    ("GET", "/join"): Row(anyone()),
    ("POST", "/join"): Row(
        {"visitor": OK} | {role: UNCHANGED for role in MEMBERS},
        form=SIGN_UP | {"pledge_accepted": "y", "locale": "en", "time_zone": "Europe/Amsterdam"},
    ),
    ("GET", "/login"): Row(anyone()),
    ("POST", "/login"): Row(anyone(), form=credentials),
    ("POST", "/logout"): Row(members()),
    ("POST", "/language"): Row(anyone(), form={"locale": "nl"}, changes=False),
    ("GET", "/profile"): Row(members()),
    ("POST", "/profile"): Row(
        members(),
        form={
            "display_name": "A new name",
            "locale": "en",
            "time_zone": "Europe/Amsterdam",
            "digest_frequency": "weekly",
            "asks_per_week": "3",
        },
    ),
    ("GET", "/profile/password"): Row(members()),
    ("POST", "/profile/tokens/<int:token_id>/revoke"): Row(only("trust2", others=UNCHANGED)),
    ("POST", "/profile/password"): Row(members(), form=password_change),
    ("GET", "/profile/delete"): Row(members()),
    ("POST", "/profile/delete"): Row(members(), form=own_password),
    ("POST", "/profile/export"): Row(members(), changes=False),
    ("POST", "/profile/tokens"): Row(members(), form=token_create),
    ("POST", "/profile/verify-email"): Row(members(), changes=False),  # mails only
    ("GET", "/profile/email"): Row(members()),
    ("POST", "/profile/email"): Row(members(), form=email_change, changes=False),  # mails only
    # the signed link is the credential: a forged one changes nothing, for anyone
    ("GET", "/profile/email/<token>"): Row(anyone(visitor=LOGIN)),
    ("GET", "/verify-email/<token>"): Row(anyone(visitor=LOGIN)),
    ("GET", "/join/sent"): Row(anyone()),
    ("GET", "/password/forgot"): Row(anyone()),
    ("POST", "/password/forgot"): Row(
        anyone(), form={"email": "someone@example.org"}, changes=False
    ),
    ("GET", "/password/reset/<token>"): Row(anyone()),
    ("POST", "/password/reset/<token>"): Row(
        {role: UNCHANGED for role in ROLES}, form={"password": "a brand new passphrase 42"}
    ),
    # teams
    ("GET", "/teams/"): Row(members()),
    ("POST", "/teams/"): Row(members(), form={"create-name": "Book club"}),
    ("POST", "/teams/join"): Row(members(team_member=UNCHANGED), form=invite_form),
    ("GET", "/teams/<int:team_id>"): Row(only("team_member", others=404)),
    ("GET", "/teams/<int:team_id>/leave"): Row(only("team_member", others=404)),
    ("POST", "/teams/<int:team_id>/leave"): Row(only("team_member", others=404)),
    # alerts
    ("GET", "/alerts/"): Row(members()),
    ("GET", "/alerts/new"): Row(members()),
    ("POST", "/alerts/new"): Row(members(), form=ALERT_FORM),
    ("GET", "/alerts/<int:alert_id>"): Row(members()),
    ("GET", "/alerts/<int:alert_id>", "pending"): Row(
        only("trust0", *ORGANISERS, others=404), ids=PENDING
    ),
    ("GET", "/alerts/<int:alert_id>/visit"): Row(members()),
    ("GET", "/alerts/<int:alert_id>/visit", "pending"): Row(
        only("trust0", *ORGANISERS, others=404), ids=PENDING
    ),
    ("GET", "/alerts/<int:alert_id>/notice"): Row(members()),
    ("GET", "/alerts/<int:alert_id>/notice", "pending"): Row(
        only("trust0", *ORGANISERS, others=404), ids=PENDING
    ),
    ("POST", "/alerts/<int:alert_id>/notice"): Row(members(), form=NOTICE_FORM, changes=False),
    ("POST", "/alerts/<int:alert_id>/flag"): Row(
        members(reporter=UNCHANGED), form={"reason": "misleading"}
    ),
    ("POST", "/alerts/<int:alert_id>/flag", "pending"): Row(
        only(others=UNCHANGED), form={"reason": "misleading"}, ids=PENDING
    ),
    ("POST", "/alerts/<int:alert_id>/resolve"): Row(
        only("reporter", *ORGANISERS, others=UNCHANGED), form={"outcome": "content_removed"}
    ),
    # review
    ("GET", "/review/"): Row(organisers()),
    ("POST", "/review/<int:alert_id>"): Row(
        organisers(), form={"decision": "approve"}, ids=PENDING
    ),
    ("GET", "/review/members"): Row(organisers()),
    ("POST", "/review/members/<int:member_id>/trust"): Row(
        organisers(), form={"trust_level": "1", "reason": "Knows the ropes"}
    ),
    ("GET", "/review/audit"): Row(organisers()),
    ("GET", "/review/members/<int:member_id>/suspend"): Row(organisers()),
    ("POST", "/review/members/<int:member_id>/suspend"): Row(
        organisers(), form={"reason": "Harassed other members", "confirm": "y"}
    ),
    ("GET", "/review/members/<int:member_id>/reinstate"): Row(organisers()),
    ("POST", "/review/members/<int:member_id>/reinstate"): Row(
        organisers(organiser=UNCHANGED, admin=UNCHANGED),  # the member is not suspended
        form={"reason": "Apologised"},
    ),
    # notices
    ("GET", "/notices/"): Row(members()),
    ("POST", "/notices/read"): Row(members(), form={"up_to": "9"}, changes=False),
    ("POST", "/notices/<int:notice_id>/open"): Row(only("trust2", others=404)),
    # reach: notifications, the emailed "I'll help" link, group chats, the push worker
    ("GET", "/profile/reach"): Row(members()),
    ("POST", "/profile/reach"): Row(
        members(), form={"team_alerts": "y", "quiet_from": "23:00", "quiet_until": "07:00"}
    ),
    ("POST", "/profile/reach/subscriptions/<int:subscription_id>/remove"): Row(
        only("trust2", others=UNCHANGED)
    ),
    ("GET", "/asks/help/<token>"): Row(only("trust2", others=404), ids={"token": "help_token"}),
    ("GET", "/chats"): Row(organisers()),
    ("POST", "/chats"): Row(
        organisers(), form={"name": "Team chat", "url": "json://localhost:9/x", "team_id": ""}
    ),
    ("POST", "/chats/<int:chat_id>/remove"): Row(organisers(others=UNCHANGED)),
    ("GET", "/push-sw.js"): Row(anyone()),
    # the feed
    ("GET", "/feed/"): Row(members()),
    ("GET", "/feed/list"): Row(members()),
    ("GET", "/feed/alerts/<int:alert_id>/card"): Row(members()),
    ("GET", "/feed/alerts/<int:alert_id>/card", "pending"): Row(
        only("trust0", *ORGANISERS, others=404),
        ids=PENDING,  # 204: not in the feed
    ),
    ("POST", "/feed/alerts/<int:alert_id>/claim"): Row(
        members(), form={"type": "support_target_private"}
    ),
    ("POST", "/feed/alerts/<int:alert_id>/claim", "pending"): Row(
        only(others=UNCHANGED), form={"type": "support_target_private"}, ids=PENDING
    ),
    ("POST", "/feed/actions/<int:action_id>"): Row(
        only("trust2", others=UNCHANGED), form={"status": "done"}
    ),
    ("POST", "/feed/asks/<int:ask_id>/decline"): Row(only("trust2", others=UNCHANGED)),
    ("POST", "/feed/actions/<int:action_id>/template"): Row(
        only("trust2", others=404), form={"template_id": "hate-counter_speech-1", "tone": "empathy"}
    ),
    # check-ins, retaliation reports and the research export
    ("POST", "/check-ins/<int:check_in_id>"): Row(
        only("trust2", others=UNCHANGED), form={"outcome": "nothing_visible"}
    ),
    ("GET", "/review/retaliation"): Row(organisers()),
    ("GET", "/impact/export.csv"): Row(organisers()),
    # Parquet only when the optional pyarrow is installed; else it does not exist.
    ("GET", "/impact/export.parquet"): Row(
        organisers(**({} if parquet_available() else {"organiser": 404, "admin": 404}))
    ),
    # campaigns
    ("GET", "/campaigns/"): Row(members()),
    # impact
    ("GET", "/impact/"): Row(organisers()),
    ("GET", "/impact/figures.csv"): Row(organisers()),
    ("GET", "/campaigns/new"): Row(organisers()),
    ("POST", "/campaigns/new"): Row(organisers(), form=campaign_form),
    ("GET", "/campaigns/<int:campaign_id>"): Row(members()),
    ("GET", "/campaigns/<int:campaign_id>", "draft"): Row(organisers(404), ids=DRAFT),
    ("GET", "/campaigns/<int:campaign_id>/progress"): Row(members()),
    ("GET", "/campaigns/<int:campaign_id>/edit"): Row(organisers()),
    ("POST", "/campaigns/<int:campaign_id>/edit"): Row(organisers(), form=campaign_form),
    ("POST", "/campaigns/<int:campaign_id>/launch"): Row(organisers(UNCHANGED), ids=DRAFT),
    ("POST", "/campaigns/<int:campaign_id>/end"): Row(organisers(UNCHANGED)),
    ("POST", "/campaigns/<int:campaign_id>/join"): Row(members(trust2=UNCHANGED)),
    ("POST", "/campaigns/<int:campaign_id>/join", "draft"): Row(only(others=UNCHANGED), ids=DRAFT),
    ("POST", "/campaigns/<int:campaign_id>/leave"): Row(only("trust2", others=UNCHANGED)),
    ("POST", "/campaigns/<int:campaign_id>/alerts"): Row(organisers(), form=the_alert_reference),
    ("POST", "/campaigns/<int:campaign_id>/templates"): Row(
        organisers(), form={"action_type": "report_platform", "language": "en", "body": "Not OK."}
    ),
    # norm-message experiments (organisers)
    ("GET", "/impact/experiments/"): Row(organisers()),
    ("POST", "/impact/experiments/"): Row(
        organisers(organiser=UNCHANGED, admin=UNCHANGED), form=EXPERIMENT_FORM
    ),
    ("GET", "/impact/experiments/<int:experiment_id>"): Row(organisers()),
    ("POST", "/impact/experiments/<int:experiment_id>/stop"): Row(organisers()),
    # webhooks (organisers); enabling the world's endpoint, which is on, changes nothing
    ("GET", "/webhooks/"): Row(organisers()),
    ("POST", "/webhooks/"): Row(organisers(), form=WEBHOOK_FORM),
    ("GET", "/webhooks/<int:endpoint_id>"): Row(organisers()),
    ("POST", "/webhooks/<int:endpoint_id>/enable"): Row(organisers(), changes=False),
    ("GET", "/webhooks/<int:endpoint_id>/disable"): Row(organisers()),
    ("POST", "/webhooks/<int:endpoint_id>/disable"): Row(organisers()),
    ("GET", "/webhooks/<int:endpoint_id>/delete"): Row(organisers()),
    ("POST", "/webhooks/<int:endpoint_id>/delete"): Row(organisers()),
    ("GET", "/webhooks/<int:endpoint_id>/secret"): Row(organisers()),
    ("POST", "/webhooks/<int:endpoint_id>/secret"): Row(organisers()),
    ("GET", "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend"): Row(organisers()),
    ("POST", "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend"): Row(organisers()),
    # the signed link is the credential (the campaign-mail link of "trust2")
    ("GET", "/campaigns/unsubscribe/<token>"): Row(anyone(), ids=CAMPAIGN_MAIL_TOKEN),
    ("POST", "/campaigns/unsubscribe/<token>"): Row(anyone(), ids=CAMPAIGN_MAIL_TOKEN),
    # digests and guidance
    ("GET", "/digests/"): Row(members()),
    ("GET", "/digests/<int:digest_id>"): Row(only("trust2", others=404)),
    ("GET", "/practice/"): Row(members()),
    ("GET", "/practice/<code>"): Row(members()),
    ("POST", "/practice/<code>"): Row(
        members(), form={"severity": "1", "action_type": "support_target_private"}
    ),
    ("GET", "/practice/<code>/answers/<int:answer_id>"): Row(only("trust2", others=404)),
    # --- the API ---
    ("GET", "/api/v1/openapi.json"): Row(anyone()),
    ("GET", "/api/docs"): Row(anyone()),
    ("POST", "/api/v1/members"): Row(anyone(), json=SIGN_UP),
    ("POST", "/api/v1/tokens"): Row(anyone(), json=credentials),
    ("POST", "/api/v1/password-resets"): Row(
        anyone(), json={"email": "someone@example.org"}, changes=False
    ),
    ("DELETE", "/api/v1/tokens/<int:token_id>"): Row(only("trust2", others=404)),
    ("GET", "/api/v1/me"): Row(members()),
    ("PATCH", "/api/v1/me"): Row(members(), json={"display_name": "A new name"}),
    ("GET", "/api/v1/me/asks"): Row(members()),
    ("GET", "/api/v1/me/digests"): Row(members()),
    ("GET", "/api/v1/me/export"): Row(members()),
    ("PUT", "/api/v1/members/<int:member_id>/trust"): Row(organisers(), json={"trust_level": 1}),
    ("POST", "/api/v1/members/<int:member_id>/suspend"): Row(
        organisers(), json={"reason": "Harassed other members"}
    ),
    ("POST", "/api/v1/members/<int:member_id>/reinstate"): Row(
        organisers(organiser=409, admin=409),  # the member is not suspended
        json={"reason": "Apologised"},
    ),
    ("GET", "/api/v1/review/alerts"): Row(organisers()),
    ("GET", "/api/v1/me/notices"): Row(members()),
    ("POST", "/api/v1/me/notices/read"): Row(members(), json={"up_to": 9}, changes=False),
    ("GET", "/api/v1/me/push-subscriptions"): Row(members()),
    ("POST", "/api/v1/me/push-subscriptions"): Row(
        members(),
        json={
            "endpoint": "https://fcm.googleapis.com/fcm/send/new-device",
            "keys": {"p256dh": PUSH_KEY, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        },
    ),
    ("DELETE", "/api/v1/me/push-subscriptions/<int:subscription_id>"): Row(
        only("trust2", others=404)
    ),
    ("GET", "/api/v1/me/reach-settings"): Row(members()),
    ("PATCH", "/api/v1/me/reach-settings"): Row(members(), json={"severe_alerts": True}),
    ("GET", "/api/v1/teams"): Row(members()),
    ("POST", "/api/v1/teams"): Row(members(), json={"name": "Book club"}),
    ("GET", "/api/v1/teams/<int:team_id>"): Row(only("team_member", others=404)),
    ("POST", "/api/v1/teams/<int:team_id>/members"): Row(
        members(team_member=200),
        json=invite,  # joining twice changes nothing
    ),
    ("DELETE", "/api/v1/teams/<int:team_id>/members/me"): Row(only("team_member", others=404)),
    ("GET", "/api/v1/alerts"): Row(members()),
    ("POST", "/api/v1/alerts"): Row(members(), json=ALERT_JSON),
    ("GET", "/api/v1/alerts/<int:alert_id>"): Row(members()),
    ("GET", "/api/v1/alerts/<int:alert_id>", "pending"): Row(
        only("trust0", *ORGANISERS, others=404), ids=PENDING
    ),
    ("POST", "/api/v1/alerts/<int:alert_id>/review"): Row(
        organisers(), json={"decision": "approve"}, ids=PENDING
    ),
    ("POST", "/api/v1/alerts/<int:alert_id>/flags"): Row(
        members(reporter=409), json={"reason": "misleading"}
    ),
    ("POST", "/api/v1/alerts/<int:alert_id>/resolve"): Row(
        only("reporter", *ORGANISERS, others=403), json={"outcome": "content_removed"}
    ),
    ("GET", "/api/v1/alerts/<int:alert_id>/actions"): Row(members()),
    ("GET", "/api/v1/alerts/<int:alert_id>/actions", "pending"): Row(
        only("trust0", *ORGANISERS, others=404), ids=PENDING
    ),
    ("POST", "/api/v1/alerts/<int:alert_id>/actions"): Row(
        members(), json={"type": "support_target_private"}
    ),
    ("POST", "/api/v1/alerts/<int:alert_id>/actions", "pending"): Row(
        only(others=404, trust0=409, organiser=409, admin=409),
        json={"type": "support_target_private"},
        ids=PENDING,
    ),
    ("PATCH", "/api/v1/actions/<int:action_id>"): Row(
        only("trust2", others=404), json={"status": "done"}
    ),
    ("POST", "/api/v1/asks/<int:ask_id>/accept"): Row(
        only("trust2", others=404), json={"type": "support_target_private"}
    ),
    ("POST", "/api/v1/asks/<int:ask_id>/decline"): Row(only("trust2", others=404)),
    ("PUT", "/api/v1/actions/<int:action_id>/template"): Row(
        only("trust2", others=404), json={"template_id": "hate-counter_speech-1", "tone": "empathy"}
    ),
    ("GET", "/api/v1/me/check-ins"): Row(members()),
    ("POST", "/api/v1/check-ins/<int:check_in_id>"): Row(
        only("trust2", others=404), json={"outcome": "nothing_visible"}
    ),
    ("GET", "/api/v1/campaigns"): Row(members()),
    ("GET", "/api/v1/impact"): Row(organisers()),
    ("POST", "/api/v1/campaigns"): Row(organisers(), json=CAMPAIGN_JSON),
    ("GET", "/api/v1/campaigns/<int:campaign_id>"): Row(members()),
    ("GET", "/api/v1/campaigns/<int:campaign_id>", "draft"): Row(organisers(404), ids=DRAFT),
    ("PUT", "/api/v1/campaigns/<int:campaign_id>"): Row(organisers(), json=CAMPAIGN_JSON),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/launch"): Row(organisers(), ids=DRAFT),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/end"): Row(organisers()),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/alerts"): Row(organisers(), json=the_open_alert),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/templates"): Row(
        organisers(),
        json={"action_type": "report_platform", "language": "en", "body": "This is not OK."},
    ),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/members"): Row(members(trust2=200)),
    ("POST", "/api/v1/campaigns/<int:campaign_id>/members", "draft"): Row(
        only(others=404, organiser=409, admin=409),
        ids=DRAFT,  # only live ones
    ),
    ("DELETE", "/api/v1/campaigns/<int:campaign_id>/members/me"): Row(only("trust2", others=404)),
    ("GET", "/api/v1/experiments"): Row(organisers()),
    ("POST", "/api/v1/experiments"): Row(
        organisers(organiser=409, admin=409), json=EXPERIMENT_JSON
    ),
    ("GET", "/api/v1/experiments/<int:experiment_id>"): Row(organisers()),
    ("POST", "/api/v1/experiments/<int:experiment_id>/stop"): Row(organisers()),
    ("GET", "/api/v1/webhooks"): Row(organisers()),
    ("POST", "/api/v1/webhooks"): Row(organisers(), json=WEBHOOK_JSON),
    ("PATCH", "/api/v1/webhooks/<int:endpoint_id>"): Row(organisers(), json={"enabled": False}),
    ("DELETE", "/api/v1/webhooks/<int:endpoint_id>"): Row(organisers()),
    ("POST", "/api/v1/webhooks/<int:endpoint_id>/secret"): Row(organisers()),
    ("GET", "/api/v1/webhooks/<int:endpoint_id>/deliveries"): Row(organisers()),
    ("POST", "/api/v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend"): Row(
        organisers()
    ),
    # --- Socket.IO on /feed ---
    ("SOCKET", "connect"): Row(members(visitor=REFUSED)),
    ("SOCKET", "watch"): Row(members(visitor=REFUSED)),
    ("SOCKET", "watch", "pending"): Row(
        only("trust0", *ORGANISERS, others="not_found", visitor=REFUSED), ids=PENDING
    ),
}


# --- observing ------------------------------------------------------------------------------------


def observe(
    app: Flask, world: World, role: str, key: tuple[str, ...], row: Row
) -> tuple[Expect, list[str]]:
    """Return (what the cell saw, the writes it caused) for one role and row."""
    method, rule = key[0], key[1]
    if method == "SOCKET":
        return observe_socket(app, world, role, rule, row), []
    path = fill(rule, world, row.ids)
    form = row.form(world, role) if callable(row.form) else row.form
    body = row.json(world, role) if callable(row.json) else row.json
    seen = visit(app, world, role, method, path, form=form, json=body)
    api = path.startswith("/api/")
    changes = row.changes if row.changes is not None else method != "GET"
    if (api and seen.status == 401) or (
        not api and seen.status == 302 and seen.location.startswith("/login")
    ):
        return LOGIN, seen.writes
    if seen.status in (200, 201, 202, 204, 302) and (seen.writes or not changes):
        return OK, seen.writes
    if not api and seen.status in (200, 302) and not seen.writes:
        return UNCHANGED, seen.writes
    return seen.status, seen.writes


def observe_socket(app: Flask, world: World, role: str, event: str, row: Row) -> Expect:
    """Connect to /feed as the role (its session cookie) and, for "watch", watch an alert."""
    with rolled_back(app), socket_clients(app) as connect:
        # A browser on the site sends its Origin; without it the cookie does not count.
        client = connect(
            flask_test_client=browser_of(app, world, role),
            headers={"Origin": app.config["SITE_URL"]},
        )
        if not client.is_connected(NAMESPACE):
            return REFUSED
        if event == "connect":
            return OK
        answer = client.emit(
            event,
            {"alert_id": world.ids[row.ids.get("alert_id", "alert_id")]},
            namespace=NAMESPACE,
            callback=True,
        )
        return OK if "viewers" in answer else str(answer.get("error"))


def socket_events() -> set[str]:
    """Every event a client may send on /feed (disconnect is no request)."""
    handlers = socketio.server.handlers.get(NAMESPACE, {})
    return set(handlers) - {"disconnect"}


# --- the test -------------------------------------------------------------------------------------


def test_every_route_and_socket_event_has_a_row(app: Flask) -> None:
    routes = {(method, rule.rule) for method, rule in rules_of(app)}
    routes |= {("SOCKET", event) for event in socket_events()}
    rows = {key[:2] for key in MATRIX}
    assert routes - rows == set(), "routes without a row in the permission matrix"
    assert rows - routes == set(), "rows for routes that no longer exist"
    for key, row in MATRIX.items():
        assert set(row.roles) == set(ROLES), key


def test_no_role_gets_more_than_it_should(app: Flask, world: World) -> None:
    wrong = []
    for key, row in MATRIX.items():
        for role in ROLES:
            seen, writes = observe(app, world, role, key, row)
            if seen != row.roles[role]:
                wrong.append(f"{' '.join(key):60} {role:12} expected {row.roles[role]}, got {seen}")
            elif seen != OK and writes:
                wrong.append(f"{' '.join(key):60} {role:12} refused, yet wrote {writes}")
    assert not wrong, "\n" + "\n".join(wrong)

"""Use cases of reach: subscribe a browser to push, remove it, choose what is pushed."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec

from network import outbound
from network.accounts.models import Member
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.reach import quiet
from network.reach.models import QUIET_FROM, QUIET_UNTIL, PushSubscription, ReachSettings
from network.settings import settings
from network.translation import gettext as _

MAX_SUBSCRIPTIONS = 20


def allowed_push_hosts() -> list[str]:
    """Return the host patterns of the push services we send to (PUSH_SERVICE_HOSTS)."""
    return outbound.host_patterns(settings().push_service_hosts)


def endpoint_problem(endpoint: str) -> str | None:
    """Refuse any endpoint but https on a known push service: the server POSTs to it."""
    try:
        target = outbound.split_url(endpoint, schemes=("https",))
    except outbound.Refused as refused:
        if refused.code == "not_url":
            return _("This is not a push service's address.")
        return _("Only https addresses of known push services are accepted.")
    if not outbound.host_matches(target.host, allowed_push_hosts()):
        return _("Only https addresses of known push services are accepted.")
    return None


def _decoded(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError):
        return None


def keys_problems(p256dh: str, auth: str) -> dict[str, str]:
    """Check the browser's P-256 public key and 16-byte auth secret."""
    problems = {}
    raw = _decoded(p256dh)
    try:
        if raw is None:
            raise ValueError(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        problems["p256dh"] = _("This is not the browser's push key.")
    secret = _decoded(auth)
    if secret is None or len(secret) != 16:
        problems["auth"] = _("This is not the browser's push secret.")
    return problems


def subscribe(
    actor: Member, *, endpoint: str, p256dh: str, auth: str, device: str = ""
) -> PushSubscription:
    """Subscribe one of the member's browsers to push (again: its keys are renewed)."""
    problems = keys_problems(p256dh, auth)
    problem = endpoint_problem(endpoint)
    if problem:
        problems["endpoint"] = problem
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    endpoint = endpoint.strip()
    subscription = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint).with_for_update()
    )
    if subscription is None:
        if len(subscriptions_of(actor)) >= MAX_SUBSCRIPTIONS:
            raise Conflict(
                _("You have too many devices with push; remove one first."), code="too_many"
            )
        subscription = PushSubscription(member_id=actor.id, endpoint=endpoint)
        db.session.add(subscription)
    # A browser belongs to whoever subscribed it last: one endpoint, one member.
    subscription.member_id = actor.id
    subscription.p256dh, subscription.auth = p256dh.strip(), auth.strip()
    subscription.device = " ".join(device.split())[:80]
    db.session.commit()
    return subscription


def subscriptions_of(member: Member) -> list[PushSubscription]:
    """Return the member's subscribed browsers, oldest first."""
    return list(
        db.session.scalars(
            sa.select(PushSubscription)
            .where(PushSubscription.member_id == member.id)
            .order_by(PushSubscription.id)
        )
    )


def unsubscribe(actor: Member, subscription_id: int) -> None:
    """Remove one of the member's push subscriptions; others' do not exist."""
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is None or subscription.member_id != actor.id:
        raise NotFound(_("This push subscription does not exist."))
    db.session.delete(subscription)
    db.session.commit()


def settings_of(member_id: int) -> ReachSettings:
    """Return the member's reach settings (the defaults when never changed; not added)."""
    chosen = db.session.get(ReachSettings, member_id)
    if chosen is not None:
        return chosen
    return default_settings(member_id)


def default_settings(member_id: int) -> ReachSettings:
    """Return the settings of a member who never changed them (not added to the session)."""
    return ReachSettings(
        member_id=member_id,
        team_alerts=True,
        severe_alerts=False,
        campaign_launches=False,
        reviews=False,
        ask_mail=True,
        detailed=False,
        quiet_from=QUIET_FROM,
        quiet_until=QUIET_UNTIL,
    )


SETTING_FIELDS = (
    "team_alerts",
    "severe_alerts",
    "campaign_launches",
    "reviews",
    "ask_mail",
    "detailed",
)


def update_settings(actor: Member, **changes: Any) -> ReachSettings:
    """Change what is pushed or mailed to the member, and their quiet hours ("HH:MM")."""
    problems = {}
    chosen = db.session.get(ReachSettings, actor.id)
    if chosen is None:
        chosen = settings_of(actor.id)
        db.session.add(chosen)
    for name in SETTING_FIELDS:
        if changes.get(name) is not None:
            setattr(chosen, name, bool(changes[name]))
    for name in ("quiet_from", "quiet_until"):
        if changes.get(name) is None:
            continue
        try:
            setattr(chosen, name, quiet.minutes(str(changes[name])))
        except ValueError:
            problems[name] = _("Give a time as HH:MM, e.g. 22:00.")
    if problems:
        db.session.rollback()
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    db.session.commit()
    return chosen

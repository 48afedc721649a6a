"""Pages for organisers: the review queue, member trust, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.alerts import services as alert_services
from network.alerts.forms import ReviewForm, TrustForm
from network.alerts.guide import severity_guide
from network.alerts.policy import require_organiser
from network.edge import int_arg
from network.errors import ServiceError
from network.extensions import db
from network.moderation import queries
from network.moderation.services import set_trust_level

moderation = Blueprint("moderation", __name__, url_prefix="/review")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def organisers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse the page to anyone but organisers (the services check again)."""

    @wraps(view)
    @login_required
    def guarded(*args: Any, **kwargs: Any) -> Any:
        require_organiser(_me())
        return view(*args, **kwargs)

    return guarded


@moderation.get("/")
@organisers_only
def queue() -> str:
    """List alerts waiting for review: new members' alerts and hidden ones."""
    waiting = queries.review_queue()
    trust = dict(
        db.session.execute(
            sa.select(Member.id, Member.trust_level).where(
                Member.id.in_([a.reporter_id for a in waiting if a.reporter_id])
            )
        ).all()
    )
    return render_template(
        "moderation/queue.html",
        alerts=waiting,
        form=ReviewForm(),
        reporter_trust=trust,
        guide=severity_guide(),
    )


@moderation.post("/<int:alert_id>")
@organisers_only
def review(alert_id: int) -> Response:
    """Approve or reject one alert."""
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            alert_services.review_alert(
                _me(), alert_id, decision=form.decision.data or "", reason=form.reason.data or ""
            )
        except ServiceError as error:
            flash(" ".join([error.message, *error.fields.values()]), "error")
        else:
            flash(_("Decision saved."), "success")
    else:
        flash(_("Choose approve or reject."), "error")
    return redirect(url_for("moderation.queue"))


@moderation.get("/members")
@organisers_only
def members() -> str:
    """List members with their trust levels (no email addresses)."""
    page = int_arg("page", high=100_000) or 1
    rows = list(
        db.session.scalars(sa.select(Member).order_by(Member.id).offset((page - 1) * 50).limit(51))
    )
    return render_template(
        "moderation/members.html",
        members=rows[:50],
        page=page,
        has_next=len(rows) > 50,
        form=TrustForm(),
    )


@moderation.post("/members/<int:member_id>/trust")
@organisers_only
def trust(member_id: int) -> Response:
    """Set one member's trust level."""
    form = TrustForm()
    if form.validate_on_submit():
        try:
            set_trust_level(
                _me(),
                member_id,
                trust_level=int(form.trust_level.data),
                reason=form.reason.data or "",
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Trust level saved."), "success")
    return redirect(url_for("moderation.members"))


@moderation.get("/audit")
@organisers_only
def audit_log() -> str:
    """Show the append-only audit log, newest first."""
    before = int_arg("before")
    entries = queries.audit_log(before_id=before, limit=51)
    return render_template(
        "moderation/audit.html",
        entries=entries[:50],
        next_before=entries[49].id if len(entries) > 50 else None,
    )

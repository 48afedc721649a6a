"""Pages for reviewers and organisers: the review queue, members, suspension, the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from network.accounts.models import Member, Role
from network.accounts.sessions import members_who, organisers_only
from network.alerts.guide import severity_guide
from network.alerts.policy import require_reviewer
from network.edge import int_arg
from network.errors import NotFound, ServiceError
from network.forms import show_service_error
from network.moderation import audit_text, queries
from network.moderation.forms import ReinstateForm, ReviewForm, SuspendForm, TrustForm
from network.moderation.services import review_alert, set_trust_level
from network.moderation.suspension import reinstate_member, suspend_member
from network.settings import settings
from network.translation import gettext as _

moderation = Blueprint("moderation", __name__, url_prefix="/review")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


# Refuse the page to anyone who does not review alerts.
reviewers_only = members_who(require_reviewer)


@moderation.get("/")
@reviewers_only
def queue() -> str:
    """List alerts waiting for review, with the flags' reasons and notes."""
    waiting = queries.review_queue()
    return render_template(
        "moderation/queue.html",
        alerts=waiting,
        form=ReviewForm(),
        reporter_trust=queries.reporter_trust(waiting),
        flags=queries.flags_of([alert.id for alert in waiting]),
        hide_at=settings().abuse_flags_to_hide,
        guide=severity_guide(),
    )


@moderation.post("/<int:alert_id>")
@reviewers_only
def review(alert_id: int) -> Response:
    """Approve or reject one alert."""
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review_alert(
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
    rows = queries.members_page(page, per_page=50)
    return render_template(
        "moderation/members.html",
        members=rows[:50],
        page=page,
        has_next=len(rows) > 50,
        form=TrustForm(),
        can_suspend=lambda member: may_suspend(_me(), member),
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


def may_suspend(actor: Member, member: Member) -> bool:
    """Tell whether to offer suspending or reinstating this member (the service decides)."""
    if member.id == actor.id or member.role == Role.ADMIN:
        return False
    return member.role != Role.ORGANISER or actor.role == Role.ADMIN


def _member_or_404(member_id: int) -> Member:
    member = queries.member_by_id(member_id)
    if member is None:
        raise NotFound(_("This member does not exist."))
    return member


@moderation.route("/members/<int:member_id>/suspend", methods=["GET", "POST"])
@organisers_only
def suspend(member_id: int) -> str | Response:
    """Suspend a member, after a confirmation with a reason."""
    member = _member_or_404(member_id)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            suspend_member(_me(), member_id, reason=form.reason.data or "")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("%(name)s is suspended.", name=member.display_name), "success")
            return redirect(url_for("moderation.members"))
    return render_template("moderation/suspend.html", member=member, form=form, suspending=True)


@moderation.route("/members/<int:member_id>/reinstate", methods=["GET", "POST"])
@organisers_only
def reinstate(member_id: int) -> str | Response:
    """Let a suspended member log in again."""
    member = _member_or_404(member_id)
    form = ReinstateForm()
    if form.validate_on_submit():
        try:
            reinstate_member(_me(), member_id, reason=form.reason.data or "")
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("%(name)s can log in again.", name=member.display_name), "success")
            return redirect(url_for("moderation.members"))
    return render_template("moderation/suspend.html", member=member, form=form, suspending=False)


@moderation.get("/audit")
@organisers_only
def audit_log() -> str:
    """Show the append-only audit log, newest first, with names and readable details."""
    before = int_arg("before")
    entries = queries.audit_log(before_id=before, limit=51)
    shown = entries[:50]
    names, alerts = queries.names_for(shown)
    return render_template(
        "moderation/audit.html",
        entries=shown,
        names=names,
        alerts=alerts,
        action_name=audit_text.action_name,
        alert_title=audit_text.alert_title,
        details_of=audit_text.details_of,
        next_before=shown[-1].id if len(entries) > 50 else None,
        first_page=before is None,
    )

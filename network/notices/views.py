"""Pages: the member's notices (the navigation's unread count is a column of the member)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.ids import is_id
from network.notices import queries, services

notices = Blueprint("notices", __name__, url_prefix="/notices")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


@notices.get("/")
@login_required
def index() -> str:
    """List the member's notices, newest first; unread ones stand out."""
    shown = queries.notices_of(_me())
    return render_template(
        "notices/index.html",
        notices=shown,
        newest_unread=max((n.id for n in shown if n.read_at is None), default=None),
        describe=queries.describe,
    )


@notices.post("/read")
@login_required
def read() -> Response:
    """Mark the notices the member saw as read (up to the newest one shown)."""
    up_to = request.form.get("up_to", type=int)
    if is_id(up_to):
        services.mark_read(_me(), up_to=up_to)
    return redirect(url_for("notices.index"))


@notices.post("/<int:notice_id>/open")
@login_required
def open_notice(notice_id: int) -> Response:
    """Mark one notice read and go to the alert it is about."""
    notice = services.open_notice(_me(), notice_id)
    if notice.alert_id is not None:
        return redirect(url_for("alerts.show", alert_id=notice.alert_id))
    return redirect(url_for("notices.index"))

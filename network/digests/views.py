"""Pages: the digest archive and the one-click unsubscribe link."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.digests import queries, services
from network.digests import unsubscribe as unsubscribing
from network.digests.wording import describe
from network.edge import int_arg
from network.extensions import csrf
from network.vocabulary import ActionType, action_info

digests = Blueprint("digests", __name__, url_prefix="/digests")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _label(code: str) -> str:
    return action_info(ActionType(code)).label


@digests.get("/")
@login_required
def archive() -> str:
    """List the member's digests."""
    before = int_arg("before")
    found = queries.digests_of(_me(), before_id=before, limit=21)
    return render_template(
        "digests/archive.html",
        digests=found[:20],
        next_before=found[19].id if len(found) > 20 else None,
        action_label=_label,
    )


@digests.get("/<int:digest_id>")
@login_required
def show(digest_id: int) -> str:
    """Show one digest as it was sent."""
    digest = queries.digest_for(_me(), digest_id)
    weekly = digest.period_key.startswith("weekly")
    return render_template(
        "digests/show.html",
        digest=digest,
        body=describe(digest.numbers, weekly=weekly, label=_label),
    )


@digests.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients POST without a session
def unsubscribe(token: str) -> Response:
    """Confirm (GET) or perform (POST, also RFC 8058 one-click) stopping digests."""
    if request.method == "GET":
        member = unsubscribing.member_for_token(token)
    else:
        member = services.unsubscribe(token)
    page = render_template(
        "digests/unsubscribe.html",
        token=token,
        done=request.method == "POST",
        valid=member is not None,
    )
    return make_response(page, 200 if member is not None else 400)

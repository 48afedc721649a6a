"""Pages: the one-tap check-in form, the template a claim used, retaliation reports for
organisers, and the research export (organisers; audited)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from network.accounts.models import Member
from network.accounts.sessions import organisers_only
from network.db import utcnow
from network.errors import ServiceError
from network.extensions import db
from network.ids import is_id
from network.learning import checkins, export
from network.moderation import audit
from network.translation import gettext as _
from network.vocabulary import action_info

learning = Blueprint("learning", __name__)
T = TypeVar("T", str, bytes)


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


@learning.app_context_processor
def _check_ins() -> dict[str, object]:
    # Labels only: the pages' views pass the member's open check-ins (no query from a template).
    return {
        "check_in_outcomes": checkins.OUTCOME_LABELS,
        "check_in_decisions": checkins.DECISION_LABELS,
        "check_in_action": lambda kind: action_info(kind).label,
    }


@learning.post("/check-ins/<int:check_in_id>")
@login_required
def answer(check_in_id: int) -> BaseResponse:
    """Answer one's own check-in with one tap (back to the page it was answered on)."""
    statement = {"yes": True, "no": False}.get(request.form.get("statement_of_reasons", ""))
    try:
        checkins.answer(
            _me(),
            check_in_id,
            outcome=request.form.get("outcome") or None,
            platform_decision=request.form.get("platform_decision") or None,
            statement_of_reasons=statement,
        )
    except ServiceError as error:
        flash(" ".join([error.message, *error.fields.values()]), "error")
    else:
        flash(_("Thank you: this helps the network learn what works."), "success")
    alert_id = request.form.get("alert_id", type=int)
    if is_id(alert_id):
        return redirect(url_for("alerts.show", alert_id=alert_id))
    return redirect(url_for("coordination.feed"))


@learning.post("/feed/actions/<int:action_id>/template")
@login_required
def record_template(action_id: int) -> BaseResponse:
    """Record which template the volunteer copied for their claim (the page's copy button)."""
    try:
        checkins.record_template(
            _me(),
            action_id,
            template_id=request.form.get("template_id", "")[:64],
            tone=request.form.get("tone", "")[:32],
        )
    except ServiceError as error:
        return Response(error.message, status=error.status, mimetype="text/plain")
    return Response(status=204)


@learning.get("/review/retaliation")
@organisers_only
def retaliation() -> str:
    """Organisers: the newest "I was targeted in return" answers, with their alerts."""
    return render_template("learning/retaliation.html", reports=checkins.retaliation_reports())


def _audited(kind: str) -> None:
    audit.record(_me(), "research.exported", "export", 0, format=kind)
    db.session.commit()


def _streamed(header: T, chunks: Callable[[], Iterator[T]]) -> Iterator[T]:
    """Stream the rows after the view returned, in an app context of their own.

    Like stream_with_context, but the context is opened only after the header, when the rows
    are read: a download nobody reads (a client pulls the first chunk at most) leaves no
    context behind."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[T]:
        yield header
        with app.app_context():
            yield from chunks()

    return generate()


@learning.get("/impact/export.csv")
@organisers_only
def export_csv() -> Response:
    """Organisers: the action-level research export as CSV, streamed (audited)."""
    _audited("csv")
    name = f"upstander-actions-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        _streamed(export.csv_header(), lambda: export.csv_lines(header=False)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@learning.get("/impact/export.parquet")
@organisers_only
def export_parquet() -> Response:
    """Organisers: the same export as Parquet (when pyarrow is installed, else 404), streamed
    row group by row group (audited)."""
    if not export.parquet_available():
        abort(404)
    _audited("parquet")
    name = f"upstander-actions-{utcnow():%Y%m%d-%H%M}.parquet"
    return Response(
        _streamed(export.PARQUET_MAGIC, lambda: export.parquet_chunks(header=False)),
        mimetype="application/vnd.apache.parquet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

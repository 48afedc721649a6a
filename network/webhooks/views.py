"""Pages: webhook endpoints, their recent deliveries, and what organisers do with them."""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.edge import int_arg
from network.errors import ServiceError
from network.forms import show_service_error
from network.translation import gettext as _
from network.webhooks import queries, services
from network.webhooks.forms import EVENT_LABELS, ConfirmForm, EndpointForm
from network.webhooks.limits import WEBHOOK_LIMIT
from network.webhooks.models import WebhookEndpoint

webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
PER_PAGE = 20


@webhooks.context_processor
def _formatting() -> dict[str, Any]:
    return {
        "format_datetime": lambda moment: format_datetime(moment, "short") if moment else "",
        "event_label": lambda code: EVENT_LABELS.get(str(code), str(code)),
    }


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _secret_shown(endpoint: WebhookEndpoint, secret: str) -> Response:
    # The secret is on this answer only: not in a redirect, the session or any cache.
    page = make_response(render_template("webhooks/secret.html", endpoint=endpoint, secret=secret))
    page.headers["Cache-Control"] = "no-store"
    return page


def _index(form: EndpointForm, status: int = 200) -> tuple[str, int]:
    page = render_template("webhooks/index.html", endpoints=queries.endpoints(_me()), form=form)
    return page, status


@webhooks.get("/")
@login_required
def index() -> tuple[str, int]:
    """List the endpoints and offer to register one (organisers)."""
    return _index(EndpointForm())


@webhooks.post("/")
@login_required
@WEBHOOK_LIMIT
def register() -> Response | tuple[str, int]:
    """Register an endpoint from the form; its secret is shown on the answer, once."""
    form = EndpointForm()
    if not form.validate_on_submit():
        queries.endpoints(_me())  # organisers only, before saying what is wrong
        return _index(form, 422)
    try:
        endpoint, secret = services.register_endpoint(
            _me(),
            url=form.url.data or "",
            events=list(form.events.data or []),
            description=form.description.data or "",
        )
    except ServiceError as error:
        if error.status == 403:
            raise
        show_service_error(form, error)
        return _index(form, 422)
    return _secret_shown(endpoint, secret)


@webhooks.get("/<int:endpoint_id>")
@login_required
def show(endpoint_id: int) -> str:
    """Show an endpoint and its recent deliveries, a page at a time."""
    endpoint = services.endpoint(_me(), endpoint_id)
    page = int_arg("page", high=100_000) or 1
    total = queries.delivery_count(endpoint)
    return render_template(
        "webhooks/show.html",
        endpoint=endpoint,
        deliveries=queries.delivery_page(endpoint, page=page, per_page=PER_PAGE),
        page=page,
        pages=max(1, ceil(total / PER_PAGE)),
        total=total,
    )


@webhooks.post("/<int:endpoint_id>/enable")
@login_required
@WEBHOOK_LIMIT
def enable(endpoint_id: int) -> Response:
    """Switch an endpoint on again."""
    if ConfirmForm().validate_on_submit():
        services.set_enabled(_me(), endpoint_id, True)
        flash(_("The endpoint is on: new events are sent to it again."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@webhooks.route("/<int:endpoint_id>/disable", methods=["GET", "POST"], defaults={"step": "disable"})
@webhooks.route("/<int:endpoint_id>/delete", methods=["GET", "POST"], defaults={"step": "delete"})
@webhooks.route("/<int:endpoint_id>/secret", methods=["GET", "POST"], defaults={"step": "secret"})
@login_required
@WEBHOOK_LIMIT
def confirm(endpoint_id: int, step: str) -> str | Response:
    """Confirm switching an endpoint off, deleting it or giving it a new secret; then do it."""
    endpoint = services.endpoint(_me(), endpoint_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("webhooks/confirm.html", endpoint=endpoint, step=step, form=form)
    if step == "secret":
        endpoint, secret = services.rotate_secret(_me(), endpoint_id)
        return _secret_shown(endpoint, secret)
    if step == "delete":
        services.delete_endpoint(_me(), endpoint_id)
        flash(_("The endpoint and its deliveries are deleted."), "success")
        return redirect(url_for("webhooks.index"))
    services.set_enabled(_me(), endpoint_id, False)
    flash(_("The endpoint is off: nothing more is sent to it."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@webhooks.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/resend", methods=["GET", "POST"])
@login_required
@WEBHOOK_LIMIT
def resend(endpoint_id: int, delivery_id: int) -> str | Response:
    """Confirm sending a delivery's event again; then queue it."""
    endpoint = services.endpoint(_me(), endpoint_id)
    delivery = queries.delivery_of(endpoint, delivery_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.resend(_me(), endpoint_id, delivery_id)
        except ServiceError as error:
            if error.status != 409:
                raise
            flash(error.message, "error")
        else:
            flash(_("The event is on its way again."), "success")
        return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))
    return render_template("webhooks/resend.html", endpoint=endpoint, delivery=delivery, form=form)

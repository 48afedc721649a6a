"""Pages: norm-message experiments, starting and stopping one, and the results (organisers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_datetime, format_decimal, format_number, format_percent
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.accounts.sessions import organisers_only
from network.errors import ServiceError
from network.forms import show_service_error
from network.learning import experiments as service
from network.learning.experiment_forms import ExperimentForm, StopForm
from network.translation import gettext as _

experiments = Blueprint("experiments", __name__, url_prefix="/impact/experiments")


@experiments.context_processor
def _formatting() -> dict[str, Any]:
    return {
        "format_datetime": lambda moment: format_datetime(moment, "short") if moment else "",
        "format_decimal": format_decimal,
        "format_number": format_number,
        "format_percent": format_percent,
        "arm_label": service.arm_label,
    }


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _index(form: ExperimentForm, status: int = 200) -> tuple[str, int]:
    found = service.experiments(_me())
    running = next((e for e in found if e.status.value == "running"), None)
    return (
        render_template(
            "experiments/index.html",
            experiments=found,
            running=running,
            form=form,
        ),
        status,
    )


@experiments.get("/")
@organisers_only
def index() -> tuple[str, int]:
    """List experiments and offer to start one (organisers)."""
    return _index(ExperimentForm())


@experiments.post("/")
@organisers_only
def start() -> Response | tuple[str, int]:
    """Start an experiment from the form."""
    form = ExperimentForm()
    if not form.validate_on_submit():
        return _index(form)
    try:
        started = service.start_experiment(
            _me(),
            name=form.name.data or "",
            arms=form.arms(),
            minimum_effect=(form.minimum_effect.data or 0) / 100,
        )
    except ServiceError as error:
        show_service_error(form, error)
        if "arms" in error.fields:
            form.control.errors = [*list(form.control.errors), error.fields["arms"]]
        return _index(form)
    flash(_("The experiment is running: the next digests show its messages."), "success")
    return redirect(url_for("experiments.show", experiment_id=started.id))


@experiments.get("/<int:experiment_id>")
@login_required
def show(experiment_id: int) -> str:
    """Show an experiment's results per arm."""
    found = service.experiment(_me(), experiment_id)
    return render_template(
        "experiments/show.html",
        experiment=found,
        results=service.results(found),
        form=StopForm(),
    )


@experiments.post("/<int:experiment_id>/stop")
@organisers_only
def stop(experiment_id: int) -> Response:
    """Stop the running experiment."""
    form = StopForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        try:
            service.stop_experiment(_me(), experiment_id)
            flash(_("The experiment has stopped."), "success")
        except ServiceError as error:
            flash(error.message, "error")
    return redirect(url_for("experiments.show", experiment_id=experiment_id))

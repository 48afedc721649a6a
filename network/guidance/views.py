"""Pages: the guides and tips, the notice generator, and practice scenarios."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.alerts import queries as alert_queries
from network.alerts.guide import category_label, severity_guide
from network.alerts.models import Category
from network.errors import ServiceError
from network.forms import show_service_error
from network.guidance import content, queries, services
from network.guidance.forms import NoticeForm, PracticeForm
from network.guidance.message_templates import TEMPLATE_ACTIONS, TEMPLATE_LANGUAGES, templates_for
from network.guidance.notice import (
    NoticeDetails,
    explanation_example,
    good_faith_statement,
    write_notice,
)
from network.guidance.reporting import country_codes, report_country, report_route
from network.guidance.scenarios import scenario, scenarios
from network.translation import gettext as _
from network.vocabulary import LANGUAGE_NAMES, ActionType, Platform

guidance = Blueprint("guidance", __name__)


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


@guidance.app_context_processor
def _guidance_helpers() -> dict[str, object]:
    return {
        # Only the languages the message templates are written in (the guide's language links).
        "language_names": {code: LANGUAGE_NAMES[code] for code in TEMPLATE_LANGUAGES},
    }


@guidance.get("/guides/")
def index() -> str:
    """List the guides of the seven actions and the ten tips for upstanders."""
    return render_template(
        "guidance/index.html",
        guides=content.guides(),
        tips=content.ten_tips(),
        evidence=content.evidence(),
    )


@guidance.get("/guides/<action>")
def guide(action: str) -> str:
    """Show how, when and why to do one action, with its templates or report helpers."""
    if action not in {kind.value for kind in ActionType}:
        abort(404)
    kind = ActionType(action)
    language = request.args.get("language")
    if language not in TEMPLATE_LANGUAGES:
        language = str(get_locale() or "en")
    templates = []
    if kind in TEMPLATE_ACTIONS:
        found = {
            category: templates_for(category, kind, language=language) for category in Category
        }
        # Categories where the guide never asks for this action have no words for it.
        templates = [
            (category, category_label(category), found[category])
            for category in Category
            if found[category]
        ]
    return render_template(
        "guidance/guide.html",
        guide=content.guide(kind),
        language=language,
        templates=templates,
        routes=[report_route(platform) for platform in Platform]
        if kind == ActionType.REPORT_PLATFORM
        else [],
        country=report_country(request.args.get("country")),
        countries=country_codes(),
        good_faith=good_faith_statement(),
    )


@guidance.route("/alerts/<int:alert_id>/notice", methods=["GET", "POST"])
@login_required
def notice(alert_id: int) -> str:
    """Write a Digital Services Act notice about an alert's thread, ready to copy."""
    member = _me()
    alert = alert_queries.alert_for(member, alert_id)
    form = NoticeForm()
    form.explanation.description = _(
        "For example: %(example)s", example=explanation_example(alert.category)
    )
    if request.method == "GET":
        form.name.data, form.email.data = member.display_name, member.email
    written = None
    if form.validate_on_submit():
        details = NoticeDetails(
            explanation=form.explanation.data or "",
            name=form.name.data or "",
            email=form.email.data or "",
        )
        try:
            written = write_notice(member, alert.id, details)
        except ServiceError as error:
            show_service_error(form, error)
    return render_template(
        "guidance/notice.html",
        alert=alert,
        form=form,
        notice=written,
        route=report_route(alert.platform),
    )


@guidance.get("/practice/")
@login_required
def practice() -> str:
    """List the practice scenarios with the member's latest answers and agreement."""
    member = _me()
    return render_template(
        "guidance/practice_index.html",
        scenarios=scenarios(),
        answers=queries.latest_answers(member),
        record=queries.practice_record(member),
    )


@guidance.route("/practice/<code>", methods=["GET", "POST"])
@login_required
def practise(code: str) -> str | Response:
    """Judge one scenario: how severe, and what would you do."""
    found = scenario(code)
    if found is None:
        abort(404)
    form = PracticeForm()
    if form.validate_on_submit():
        try:
            answer = services.answer_scenario(
                _me(),
                found.code,
                severity=int(form.severity.data or 0),
                action_type=form.action_type.data or "",
            )
        except ServiceError as error:
            show_service_error(form, error)
        else:
            return redirect(url_for("guidance.answer", code=found.code, answer_id=answer.id))
    return render_template("guidance/practice.html", scenario=found, form=form)


@guidance.get("/practice/<code>/answers/<int:answer_id>")
@login_required
def answer(code: str, answer_id: int) -> str:
    """Show the member's answer beside the guide's judgement and reasons."""
    found = scenario(code)
    given = queries.answer_of(_me(), answer_id)
    if found is None or given.scenario_code != found.code:
        abort(404)
    order = [item.code for item in scenarios()]
    following = order[(order.index(found.code) + 1) % len(order)]
    return render_template(
        "guidance/practice_answer.html",
        scenario=found,
        answer=given,
        levels=severity_guide(),
        next_code=following,
    )

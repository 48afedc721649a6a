"""Pages: the alert list, posting an alert, one alert, the warning before the link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.alerts import policy, queries, services
from network.alerts.forms import AlertForm, FlagForm, ResolveForm
from network.alerts.guide import category_label, platform_label, severity_guide
from network.alerts.limits import FLAG_LIMIT, POST_LIMIT, count_against_limit
from network.alerts.models import AlertStatus, Category
from network.alerts.urls import MAX_LENGTH
from network.api.pagination import decode_cursor, encode_cursor
from network.edge import int_arg
from network.errors import ServiceError
from network.forms import show_service_error
from network.guidance.queries import alert_help
from network.guidance.rules import allowed_actions
from network.learning import checkins
from network.moderation.queries import flags_of
from network.teams.queries import member_counts, teams_of
from network.translation import gettext as _
from network.vocabulary import Platform, action_info, language_name

alerts = Blueprint("alerts", __name__, url_prefix="/alerts")
PAGE_SIZE = 20


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


@alerts.app_context_processor
def _alert_helpers() -> dict[str, object]:
    return {
        "category_label": category_label,
        "action_info": action_info,
        "AlertStatus": AlertStatus,
        "platform_label": platform_label,
        "language_name": language_name,
        "can_review": policy.can_review,
    }


@alerts.get("/")
@login_required
def index() -> str:
    """List open alerts by urgency, with filters and paging."""
    filters = queries.AlertFilters(
        category=request.args.get("category") or None,
        platform=request.args.get("platform") or None,
        min_severity=int_arg("min_severity", low=1, high=4),
        mine=request.args.get("mine") == "1",
    )
    if filters.category not in {None, *(c.value for c in Category)}:
        filters.category = None
    if filters.platform not in {None, *(p.value for p in Platform)}:
        filters.platform = None
    try:
        after = decode_cursor(request.args.get("cursor"))
        found = queries.list_alerts(_me(), filters, after=after, limit=PAGE_SIZE + 1)
    except ServiceError:
        found = queries.list_alerts(_me(), filters, limit=PAGE_SIZE + 1)
    page = found[:PAGE_SIZE]
    next_cursor = encode_cursor(queries.position_of(page[-1])) if len(found) > PAGE_SIZE else None
    return render_template(
        "alerts/index.html",
        alerts=page,
        filters=filters,
        next_cursor=next_cursor,
        categories=list(Category),
        platforms=list(Platform),
    )


def _team_choices() -> list[tuple[int, str]]:
    choices = []
    teams = teams_of(_me(), limit=200)
    sizes = member_counts([team.id for team in teams])  # one query for every team
    for team in teams:
        name = team.name
        if sizes.get(team.id, 0) < services.TEAM_ALERT_MIN_MEMBERS:
            name = _("%(team)s (too small for team alerts)", team=team.name)
        choices.append((team.id, name))
    return choices


@alerts.route("/new", methods=["GET", "POST"])
@login_required
@POST_LIMIT
def new() -> str | Response:
    """Post an alert about a hurtful thread."""
    form = AlertForm(teams=tuple(_team_choices()))
    if request.method == "GET":
        form.language.data = _me().locale
        # Filled in from a share sheet or the bookmarklet (pwa.share); checked like any input.
        form.url.data = (request.args.get("url") or "")[: MAX_LENGTH + 1] or None
    if form.is_submitted() and not form.validate():
        # Every problem at once: the service's checks too, for the fields the form let through.
        if not form.csrf_token.errors:
            show_other_problems(form, services.draft_problems(_me(), _draft(form)))
    elif form.is_submitted():
        draft = _draft(form)
        try:
            alert, created = services.post_alert(_me(), draft)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            count_against_limit()
            if not created:
                flash(_("This thread was already reported; your report was added to it."), "info")
            elif alert.status == AlertStatus.PENDING_REVIEW:
                flash(
                    _("Thank you. An organiser reviews your alert before it reaches the feed."),
                    "success",
                )
            else:
                flash(_("Thank you. Your alert is in the feed."), "success")
            return redirect(url_for("alerts.show", alert_id=alert.id))
    return render_template("alerts/new.html", form=form, guide=severity_guide())


def _draft(form: AlertForm) -> services.AlertDraft:
    return services.AlertDraft(
        url=form.url.data or "",
        category=form.category.data or "",
        severity=_number(form.severity.data, 0),
        summary=form.summary.data or "",
        language=form.language.data or "nl",
        target_requested_help=bool(form.target_requested_help.data),
        wanted_actions=list(form.wanted_actions.data or []),
        responder_goal=_number(form.responder_goal.data, 3),
        team_id=form.team_id.data if isinstance(form.team_id.data, int) else None,
    )


def _number(value: object, default: int) -> int:
    return value if isinstance(value, int) else default


def show_other_problems(form: AlertForm, problems: dict[str, str]) -> None:
    """Add the service's problems to the fields that have none of the form's own."""
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = [message]


@alerts.get("/<int:alert_id>")
@login_required
def show(alert_id: int) -> str:
    """Show one alert with what members can do about it."""
    member = _me()
    alert = queries.alert_for(member, alert_id)
    return render_template(
        "alerts/show.html",
        alert=alert,
        help=alert_help(alert),
        guide=severity_guide(),
        # What the guide allows here: no public voices are asked for a threat, whatever the goal.
        allowed=allowed_actions(alert.category, alert.severity),
        reported_by_me=bool(queries.reported_by(member, [alert.id])),
        can_resolve=alert.status == AlertStatus.OPEN
        and (member.is_organiser or alert.reporter_id == member.id),
        can_flag=alert.status == AlertStatus.OPEN and not policy.is_reporter(member, alert),
        flag_form=FlagForm(),
        resolve_form=ResolveForm(),
        # Reviewers see why members flagged it, on the alert page as in the review queue.
        alert_flags=flags_of([alert.id])[alert.id] if policy.can_review(member) else [],
        check_ins=checkins.open_for(member, alert.id),
    )


@alerts.get("/<int:alert_id>/visit")
@login_required
def visit(alert_id: int) -> str:
    """Warn before the member opens the hurtful thread (never fetched by the server)."""
    return render_template("alerts/visit.html", alert=queries.alert_for(_me(), alert_id))


@alerts.post("/<int:alert_id>/flag")
@login_required
@FLAG_LIMIT
def flag(alert_id: int) -> str | Response:
    """Flag an alert as misleading or abusive."""
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_alert(
                _me(), alert_id, reason=form.reason.data or "", note=form.note.data or ""
            )
        except ServiceError as error:
            flash(error.message, "error")
        else:
            count_against_limit()
            flash(_("Thank you. Organisers will look at this alert."), "success")
    else:
        flash(_("Choose why you flag this alert."), "error")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@alerts.post("/<int:alert_id>/resolve")
@login_required
def resolve(alert_id: int) -> Response:
    """Resolve an open alert with its outcome."""
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            services.resolve_alert(_me(), alert_id, outcome=form.outcome.data or "")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The alert is resolved. Thank you for following up."), "success")
    return redirect(url_for("alerts.show", alert_id=alert_id))

"""The figures as tables (with a chart each): one source for the page, its charts and the CSV."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from network.alerts.guide import category_label
from network.alerts.models import Category, Outcome
from network.coordination.models import ActionStatus
from network.guidance.message_templates import tone_label
from network.impact.charts import Bar, bar_chart
from network.impact.queries import Figures, OutcomeGroup, Rate, suppressed
from network.translation import gettext as _
from network.translation import lazy_gettext as _l
from network.vocabulary import ActionType, action_info

OUTCOME_NAMES = {
    Outcome.CONTENT_REMOVED.value: _l("Content removed"),
    Outcome.THREAD_CALMED.value: _l("Thread calmed down"),
    Outcome.NO_CHANGE.value: _l("Nothing changed"),
    Outcome.UNKNOWN.value: _l("Not known"),
}


@dataclass
class Table:
    """One figure: a title, a note, column headings, rows of text, and a chart of one column."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    note: str = ""
    chart_maximum: float | None = None

    @property
    def chart(self) -> Markup:
        return bar_chart(self.title, self.bars, maximum=self.chart_maximum)


def fewer() -> str:
    return _("fewer than 5")


def count_text(count: int) -> str:
    return fewer() if suppressed(count) else str(count)


def count_value(count: int) -> float | None:
    return None if suppressed(count) else float(count)


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def rate_text(rate: Rate) -> str:
    if rate.hidden:
        return _("fewer than 5 answers") if rate.trials else "-"
    low, high = rate.interval or (0.0, 1.0)
    return _(
        "%(share)s (95%% interval %(low)s to %(high)s)",
        share=percent(rate.share or 0.0),
        low=percent(low),
        high=percent(high),
    )


def minutes_text(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    if minutes < 120:
        return _("%(minutes)s min", minutes=round(minutes))
    return _("%(hours)s h", hours=round(minutes / 60, 1))


def _action_label(key: str) -> str:
    return action_info(ActionType(key)).label


def _visibility_label(key: str) -> str:
    return _("Public actions") if key == "public" else _("Private actions")


def _tone_label(key: str) -> str:
    if key == "none":
        return _("No template")
    try:
        return tone_label(key)
    except KeyError:
        return key


def _category_label(key: str) -> str:
    return category_label(Category(key))


def _outcome_table(key: str, title: str, groups: list[OutcomeGroup], label, note: str) -> Table:  # type: ignore[no-untyped-def]
    table = Table(
        key,
        title,
        [
            title,
            _("Check-ins answered"),
            _("Content removed"),
            _("Something got better"),
            _("Targeted in return"),
        ],
        note=note,
        chart_maximum=1.0,
    )
    for group in groups:
        name = label(group.key)
        table.rows.append(
            [
                name,
                count_text(group.answered),
                rate_text(group.removal),
                rate_text(group.positive),
                rate_text(group.retaliation),
            ]
        )
        share = group.positive.share
        table.bars.append(Bar(name, share, fewer() if share is None else percent(share)))
    return table


def tables(figures: Figures) -> list[Table]:
    """Every figure of the page, in the page's order."""
    alerts = Table("alerts", _("Alerts"), [_("Alerts"), _("Number")])
    for name, count in (
        (_("Posted"), figures.alerts_posted),
        (_("Approved (went live)"), figures.alerts_approved),
        (_("Rejected"), figures.alerts_rejected),
        (_("Expired"), figures.alerts_expired),
        (_("Reached their goal"), figures.goal_reached),
    ):
        alerts.rows.append([name, count_text(count)])
        alerts.bars.append(Bar(name, count_value(count), count_text(count)))
    goal = figures.goal_rate
    alerts.rows.append([_("Share of live alerts that reached their goal"), rate_text(goal)])

    timing = Table(
        "first_claim",
        _("Time from going live to the first claim"),
        [_("Measure"), _("Time")],
        note=_(
            "Over %(count)s alerts that were claimed.", count=count_text(figures.first_claim_count)
        ),
    )
    for name, minutes in (
        (_("Median"), figures.first_claim_median_minutes),
        (_("90th percentile"), figures.first_claim_p90_minutes),
    ):
        hidden = figures.timing_hidden and figures.first_claim_count > 0
        timing.rows.append([name, fewer() if hidden else minutes_text(minutes)])
        value = None if hidden or minutes is None else minutes
        timing.bars.append(Bar(name, value, fewer() if hidden else minutes_text(minutes)))

    statuses = (
        ActionStatus.CLAIMED,
        ActionStatus.DONE,
        ActionStatus.EXPIRED,
        ActionStatus.RELEASED,
    )
    actions = Table(
        "actions",
        _("Actions by type"),
        [_("Action"), _("Claimed, not yet done"), _("Done"), _("Expired"), _("Released")],
        note=_("The chart shows done actions."),
    )
    for kind in ActionType:
        counts = figures.actions.get(kind.value, {})
        name = _action_label(kind.value)
        actions.rows.append([name, *(count_text(counts.get(s.value, 0)) for s in statuses)])
        done = counts.get(ActionStatus.DONE.value, 0)
        actions.bars.append(Bar(name, count_value(done), count_text(done)))

    asks = Table("asks", _("Personal asks"), [_("Asks"), _("Number")])
    for name, count in (
        (_("Sent"), figures.asks_sent),
        (_("Answered"), figures.asks_answered),
        (_("Accepted"), figures.asks_accepted),
    ):
        asks.rows.append([name, count_text(count)])
        asks.bars.append(Bar(name, count_value(count), count_text(count)))

    outcomes = Table(
        "alert_outcomes",
        _("Outcomes of resolved alerts by category"),
        [_("Category"), *(str(v) for v in OUTCOME_NAMES.values()), _("Removal rate")],
        note=_("As told when the alert was resolved."),
        chart_maximum=1.0,
    )
    for category in Category:
        counts = figures.alert_outcomes.get(category.value, {})
        if not counts:
            continue
        name = category_label(category)
        removal = Rate(counts.get(Outcome.CONTENT_REMOVED.value, 0), sum(counts.values()))
        outcomes.rows.append(
            [name, *(count_text(counts.get(o, 0)) for o in OUTCOME_NAMES), rate_text(removal)]
        )
        outcomes.bars.append(
            Bar(name, removal.share, fewer() if removal.share is None else percent(removal.share))
        )

    members = Table("members", _("Members"), [_("Members"), _("Number")])
    for name, count in (
        (_("Active (claimed an action)"), figures.active_members),
        (_("New"), figures.new_members),
        (_("Reports of being targeted in return"), figures.retaliation_reports),
    ):
        members.rows.append([name, count_text(count)])
        members.bars.append(Bar(name, count_value(count), count_text(count)))

    campaigns = Table(
        "campaigns",
        _("Campaigns against their goals"),
        [_("Campaign"), _("Goal"), _("Done"), _("Progress")],
        chart_maximum=1.0,
    )
    for campaign in figures.campaigns:
        campaigns.rows.append(
            [campaign.title, str(campaign.goal), count_text(campaign.done), percent(campaign.share)]
        )
        share = min(1.0, campaign.share)
        campaigns.bars.append(Bar(campaign.title, share, percent(campaign.share)))

    return [alerts, timing, actions, asks, outcomes, members, campaigns]


def what_works(figures: Figures) -> list[Table]:
    """Outcomes told in check-ins, by action type, public against private, category and tone."""
    note = _(
        "From the volunteers' check-ins after done actions: self-reported, by those who answered. "
        "The chart shows the share where something got better."
    )
    return [
        _outcome_table(
            "by_visibility", _("Public or private"), figures.by_visibility, _visibility_label, note
        ),
        _outcome_table("by_action", _("Action"), figures.by_action, _action_label, note),
        _outcome_table("by_category", _("Category"), figures.by_category, _category_label, note),
        _outcome_table("by_tone", _("Template tone"), figures.by_tone, _tone_label, note),
    ]

"""When each upstander action may be asked for: the one table the needs, the feed, the digests,
the claim service, campaigns and the guides all follow.

The rules come from the severity guide and the ten tips: threats, doxxing and sexual harassment
are never answered in the thread or to the author (don't engage: report, and give the author no
audience); public replies are for milder cases; reports and private support are always possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from babel.lists import format_list
from flask_babel import get_locale

from network.alerts.guide import category_label
from network.alerts.models import Category
from network.translation import gettext as _
from network.vocabulary import ActionType, action_label

SEVERITIES = (1, 2, 3, 4)
# Engaging the thread or the author: never for these, whatever the severity.
DANGEROUS = frozenset({Category.THREAT, Category.DOXXING, Category.SEXUAL_HARASSMENT})


@dataclass(frozen=True)
class ActionRule:
    """Where one action may be asked for: its severities, minus and plus whole categories."""

    severities: frozenset[int]
    never_for: frozenset[Category] = frozenset()
    # Asked for in these categories at every severity, beyond `severities`.
    always_for: frozenset[Category] = frozenset()


RULES: dict[ActionType, ActionRule] = {
    ActionType.COUNTER_SPEECH: ActionRule(frozenset({1, 2}), never_for=DANGEROUS),
    ActionType.MESSAGE_AUTHOR: ActionRule(frozenset({1, 2}), never_for=DANGEROUS),
    ActionType.SUPPORT_TARGET_PUBLIC: ActionRule(frozenset({1, 2, 3}), never_for=DANGEROUS),
    ActionType.SUPPORT_TARGET_PRIVATE: ActionRule(frozenset(SEVERITIES)),
    ActionType.ENLIST_HELP: ActionRule(frozenset(SEVERITIES)),
    ActionType.REPORT_PLATFORM: ActionRule(frozenset(SEVERITIES)),
    ActionType.REPORT_AUTHORITY: ActionRule(
        frozenset({3, 4}), always_for=frozenset({Category.THREAT, Category.DOXXING})
    ),
}


def may_ask(action: ActionType | str, category: Category | str, severity: int) -> bool:
    """Tell whether the guide allows asking for this action on an alert of this kind."""
    rule, kind = RULES[ActionType(action)], Category(category)
    if kind in rule.never_for:
        return False
    return severity in rule.severities or kind in rule.always_for


def allowed_actions(category: Category | str, severity: int) -> set[ActionType]:
    """Return the actions that may be asked for on an alert of this category and severity."""
    known = _ALLOWED.get((Category(category), severity))
    if known is not None:
        return set(known)
    return {action for action in ActionType if may_ask(action, category, severity)}


# The table is fixed: each cell worked out once (every claim and feed card asks, 7 rules each).
_ALLOWED = {
    (kind, severity): frozenset(action for action in ActionType if may_ask(action, kind, severity))
    for kind in Category
    for severity in SEVERITIES
}


def never_asked(action: ActionType | str, category: Category | str) -> bool:
    """Tell whether the action is never asked for in this category, at any severity."""
    return not any(may_ask(action, category, severity) for severity in SEVERITIES)


def _kinds(categories: frozenset[Category], style: Literal["standard", "or"]) -> str:
    names = [category_label(kind).lower() for kind in Category if kind in categories]
    return format_list(names, style=style, locale=get_locale() or "en")


def rule_lines(action: ActionType | str) -> tuple[str, ...]:
    """Say in words, in the current language, when the action may be asked for."""
    rule = RULES[ActionType(action)]
    levels = sorted(rule.severities)
    if len(levels) == len(SEVERITIES):
        lines = [_("Asked for at every severity.")]
    else:
        listed = format_list([str(n) for n in levels], locale=get_locale() or "en")
        lines = [_("Asked for at severity %(levels)s only.", levels=listed)]
    if rule.always_for:
        lines.append(
            _(
                "Also asked for %(kinds)s alerts, at any severity.",
                kinds=_kinds(rule.always_for, "standard"),
            )
        )
    if rule.never_for:
        lines.append(
            _(
                "Never asked for %(kinds)s alerts, at any severity: report instead, and give "
                "the author no audience.",
                kinds=_kinds(rule.never_for, "or"),
            )
        )
    return tuple(lines)


def restrictions(action: ActionType | str) -> tuple[str, ...]:
    """Say when the action may be asked for, or nothing when it may be asked for every alert."""
    rule = RULES[ActionType(action)]
    if len(rule.severities) == len(SEVERITIES) and not rule.never_for:
        return ()
    return rule_lines(action)


def refusal(action: ActionType | str, category: Category | str, severity: int) -> str:
    """Say why the action may not be claimed on an alert of this kind."""
    label = action_label(ActionType(action))
    if never_asked(action, category):
        return _(
            "%(action)s is never asked for %(kind)s alerts: it could put you or the target in "
            "danger. Report it instead, or support the target privately.",
            action=label,
            kind=category_label(Category(category)).lower(),
        )
    return _(
        "%(action)s is not asked for at severity %(severity)s, as the guide explains. "
        "Choose another way to help.",
        action=label,
        severity=severity,
    )

"""The words of a digest's body, from its stored numbers, in the member's language.

One place for the email (text and HTML) and the archive page, so they never disagree. The rule
of the design: never tell people that most others do nothing. A share of members is stated only
when half or more acted; below that the body says what was done (members who acted, alerts
helped, actions) and invites; a period with nothing to report says so in one line and invites,
without a column of zeros. Counts go through ngettext and every number through the locale's
number format ("1,2 min." in Dutch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import flask_babel

# A share below this is never stated: it would tell readers that inaction is normal.
MAJORITY = 0.5


class Words(Protocol):
    """Translations and number formats of one language (see network.i18n.Language)."""

    def gettext(self, string: str, **variables: Any) -> str: ...
    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str: ...
    def format_number(self, number: Any) -> str: ...
    def format_decimal(self, number: Any) -> str: ...
    def format_percent(self, number: Any) -> str: ...


class _CurrentLanguage:
    """The language Flask-Babel chooses for the current context, found at every call."""

    gettext = staticmethod(flask_babel.gettext)
    ngettext = staticmethod(flask_babel.ngettext)
    format_number = staticmethod(flask_babel.format_number)
    format_decimal = staticmethod(flask_babel.format_decimal)
    format_percent = staticmethod(flask_babel.format_percent)


CURRENT: Words = _CurrentLanguage()


@dataclass(frozen=True)
class DigestBody:
    """The lines of one digest, section by section; empty sections are left out."""

    quiet: bool
    network: list[str] = field(default_factory=list)
    invite: str | None = None
    teams: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)


def _count(value: Any) -> int:
    return int(value or 0)


def invitation(quiet: bool, words: Words = CURRENT) -> str:
    """Return the invitation for periods where few acted or nothing happened."""
    if quiet:
        return words.gettext(
            "Be among the first: one report or a kind private message takes a minute."
        )
    return words.gettext(
        "You can add to this: one report or a kind private message takes a minute."
    )


def network_lines(
    network: Mapping[str, Any],
    *,
    weekly: bool,
    label: Callable[[str], str],
    words: Words = CURRENT,
) -> tuple[list[str], bool]:
    """Return what the network did as lines, and whether there was nothing to report."""
    acted, active = _count(network.get("members_acted")), _count(network.get("active_members"))
    handled = _count(network.get("alerts_handled"))
    by_type = {code: _count(n) for code, n in (network.get("actions_by_type") or {}).items() if n}
    removed = _count(network.get("content_removed"))
    if not (acted or handled or by_type or removed):
        if weekly:
            return [words.gettext("A quiet week in the network: nothing to report.")], True
        return [words.gettext("A quiet day in the network: nothing to report.")], True
    lines = []
    share = acted / active if active else 0.0
    if share >= MAJORITY:
        lines.append(
            words.gettext(
                "%(acted)s of %(active)s members acted (%(share)s)",
                acted=words.format_number(acted),
                active=words.format_number(active),
                share=words.format_percent(share),
            )
        )
    elif acted:
        lines.append(
            words.ngettext(
                "%(count)s member acted",
                "%(count)s members acted",
                acted,
                count=words.format_number(acted),
            )
        )
    if handled:
        lines.append(
            words.ngettext(
                "%(count)s alert got help",
                "%(count)s alerts got help",
                handled,
                count=words.format_number(handled),
            )
        )
    lines += [f"{label(code)}: {words.format_number(n)}" for code, n in by_type.items()]
    minutes = network.get("median_minutes_to_first_action")
    if minutes is not None:
        lines.append(
            words.gettext(
                "First help arrived after %(minutes)s min. (median)",
                minutes=words.format_decimal(minutes),
            )
        )
    lines += _goal_lines(network, words)
    if removed:
        lines.append(
            words.ngettext(
                "Hurtful content was removed %(count)s time",
                "Hurtful content was removed %(count)s times",
                removed,
                count=words.format_number(removed),
            )
        )
    return lines, False


def _goal_lines(network: Mapping[str, Any], words: Words) -> list[str]:
    reached = network.get("goal_reached")
    if reached is not None:
        if not reached:
            return []
        return [
            words.ngettext(
                "%(count)s alert reached its goal of public voices",
                "%(count)s alerts reached their goal of public voices",
                _count(reached),
                count=words.format_number(_count(reached)),
            )
        ]
    # Digests kept from before the count was stored show the share, when it was a majority.
    share = network.get("goal_reached_share")
    if share is not None and share >= MAJORITY:
        return [
            words.gettext(
                "%(share)s of alerts reached their goal of public voices",
                share=words.format_percent(share),
            )
        ]
    return []


def team_line(team: Mapping[str, Any], words: Words = CURRENT) -> str:
    """Say how a team did, naming a share only when half or more of the teammates acted."""
    name, acted, members = (
        str(team.get("name", "")),
        _count(team.get("acted")),
        _count(team.get("members")),
    )
    if not acted:
        return words.gettext("Be the first of your teammates in %(team)s to act.", team=name)
    if acted < members and acted / members >= MAJORITY:
        return words.gettext(
            "%(acted)s of your %(members)s teammates in %(team)s acted.",
            acted=words.format_number(acted),
            members=words.format_number(members),
            team=name,
        )
    return words.ngettext(
        "%(count)s teammate in %(team)s acted. Join them!",
        "%(count)s teammates in %(team)s acted. Join them!",
        acted,
        count=words.format_number(acted),
        team=name,
    )


def describe(
    numbers: Mapping[str, Any],
    *,
    weekly: bool,
    label: Callable[[str], str],
    words: Words = CURRENT,
    lines_of: Callable[..., tuple[list[str], bool]] = network_lines,
) -> DigestBody:
    """Return the body of a digest from its stored numbers, in the current language.

    `lines_of` says the network's lines (network_lines, or one that remembers them: the digests
    of a batch share the network's numbers)."""
    network = numbers.get("network") or {}
    lines, quiet = lines_of(network, weekly=weekly, label=label, words=words)
    acted, active = _count(network.get("members_acted")), _count(network.get("active_members"))
    few = not active or acted / active < MAJORITY
    return DigestBody(
        quiet=quiet,
        network=lines,
        invite=invitation(quiet, words) if quiet or few else None,
        teams=[team_line(team, words) for team in numbers.get("teams") or []],
        campaigns=[
            words.gettext(
                "%(campaign)s: %(done)s of %(goal)s actions done",
                campaign=campaign.get("title", ""),
                done=words.format_number(_count(campaign.get("done"))),
                goal=words.format_number(_count(campaign.get("goal"))),
            )
            for campaign in numbers.get("campaigns") or []
        ],
        own=[
            f"{label(code)}: {words.format_number(_count(n))}"
            for code, n in (numbers.get("own_actions") or {}).items()
            if n
        ],
    )

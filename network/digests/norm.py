"""The norm message: true, and never telling people that most others do nothing.

Descriptive when half or more of the members acted ("7 in 10 members acted this week"); dynamic
when fewer did but more than last period, told in members rather than as a share ("more members
act every week: 12 this week, up from 9"), since a minority share tells readers that inaction is
normal; otherwise built on the member's team when teammates acted, or on what members say matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import format_number

from network.digests.wording import MAJORITY
from network.translation import gettext as _
from network.translation import ngettext


@dataclass(frozen=True)
class Norm:
    """Which kind of norm message was chosen, and its text."""

    kind: str
    message: str


def choose_norm(
    *,
    share: float,
    previous_share: float | None,
    weekly: bool,
    best_team: tuple[str, int, int] | None,
    acted: int = 0,
    previous_acted: int | None = None,
) -> Norm:
    """Choose the message for one member; `best_team` is (name, acted, members).

    `acted` and `previous_acted` count the members who acted in this period and the one before."""
    return network_norm(
        share=share,
        previous_share=previous_share,
        weekly=weekly,
        acted=acted,
        previous_acted=previous_acted,
    ) or personal_norm(best_team)


def network_norm(
    *,
    share: float,
    previous_share: float | None,
    weekly: bool,
    acted: int,
    previous_acted: int | None,
) -> Norm | None:
    """The message the network's numbers decide, the same for every member; None when they
    decide none (choose_norm then takes personal_norm)."""
    return descriptive(share=share, weekly=weekly) or dynamic(
        share=share,
        previous_share=previous_share,
        weekly=weekly,
        acted=acted,
        previous_acted=previous_acted,
    )


def personal_norm(best_team: tuple[str, int, int] | None) -> Norm:
    """The message when the network's numbers decide none: the member's team, or what members
    say matters."""
    return team(best_team) or injunctive()


def norm_of_kind(
    kind: str,
    *,
    share: float,
    previous_share: float | None,
    weekly: bool,
    best_team: tuple[str, int, int] | None,
    acted: int = 0,
    previous_acted: int | None = None,
) -> Norm | None:
    """Return the message of one kind, or None when it cannot be said truthfully this period.

    Experiments show a chosen kind instead of the best one; a kind that would not be true
    (a share below half, no rise, no teammate who acted) is not shown."""
    if kind == "descriptive":
        return descriptive(share=share, weekly=weekly)
    if kind == "dynamic":
        return dynamic(
            share=share,
            previous_share=previous_share,
            weekly=weekly,
            acted=acted,
            previous_acted=previous_acted,
        )
    if kind == "team":
        return team(best_team)
    if kind == "injunctive":
        return injunctive()
    return None


def descriptive(*, share: float, weekly: bool) -> Norm | None:
    """The share who acted, only when half or more did."""
    if share < MAJORITY:
        return None
    in_ten = _in_ten(share)
    if weekly:
        text = _("%(n)s in 10 members acted this week.", n=in_ten)
    else:
        text = _("%(n)s in 10 members acted yesterday.", n=in_ten)
    return Norm("descriptive", text)


def dynamic(
    *,
    share: float,
    previous_share: float | None,
    weekly: bool,
    acted: int,
    previous_acted: int | None,
) -> Norm | None:
    """A rise, told in members, only when fewer than half acted and more than before."""
    if share >= MAJORITY:
        return None
    now = _percent(share)
    before = _percent(previous_share) if previous_share is not None else None
    # A rise in the share as shown ("31%, up from 31%" is none), and in members, since members
    # are what the message names.
    if before is None or now <= before or previous_acted is None or acted <= previous_acted:
        return None
    if weekly:
        text = _(
            "More members act every week: %(now)s this week, up from %(before)s.",
            now=format_number(acted),
            before=format_number(previous_acted),
        )
    else:
        text = _(
            "More members act every day: %(now)s yesterday, up from %(before)s.",
            now=format_number(acted),
            before=format_number(previous_acted),
        )
    return Norm("dynamic", text)


def team(best_team: tuple[str, int, int] | None) -> Norm | None:
    """The member's team, only when a teammate acted; a share only when half or more did."""
    if best_team is None or best_team[1] <= 0:
        return None
    name, teammates_acted, members = best_team
    if teammates_acted < members and teammates_acted / members >= MAJORITY:
        text = _(
            "%(acted)s of your %(members)s teammates in %(team)s acted. "
            "Join them: one report takes a minute.",
            acted=format_number(teammates_acted),
            members=format_number(members),
            team=name,
        )
    else:
        # Fewer than half: say who acted, never how many of the team did not.
        text = ngettext(
            "%(count)s teammate in %(team)s acted. Join them: one report takes a minute.",
            "%(count)s teammates in %(team)s acted. Join them: one report takes a minute.",
            teammates_acted,
            count=format_number(teammates_acted),
            team=name,
        )
    return Norm("team", text)


def injunctive() -> Norm:
    """What members say matters, with an invitation: true in every period."""
    return Norm(
        "injunctive",
        _(
            "Members say it matters that nobody is left alone online. "
            "One calm reply or report can make the difference."
        ),
    )


def _in_ten(share: float) -> int:
    """Round half up to "n in 10", and say 10 in 10 only when everyone acted."""
    in_ten = math.floor(share * 10 + 0.5)
    return min(in_ten, 9) if share < 1 else 10


def _percent(share: float) -> int:
    """Round a share half up to a whole percent."""
    return math.floor(share * 100 + 0.5)

"""The norm message: true, and never telling people that most others do nothing.

Descriptive when half or more of the members acted ("7 in 10 members acted this week"); dynamic
when fewer did but more than last period ("more members act every week: 31%, up from 24%");
otherwise built on the member's team when teammates acted, or on what members say matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _


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
) -> Norm:
    """Choose the message for one member; `best_team` is (name, acted, members)."""
    if share >= 0.5:
        in_ten = _in_ten(share)
        if weekly:
            text = _("%(n)s in 10 members acted this week.", n=in_ten)
        else:
            text = _("%(n)s in 10 members acted yesterday.", n=in_ten)
        return Norm("descriptive", text)
    now = _percent(share)
    before = _percent(previous_share) if previous_share is not None else None
    # Compared as shown: "31%, up from 31%" would not be a rise anyone can see.
    if before is not None and now > before:
        if weekly:
            text = _(
                "More members act every week: %(now)s%%, up from %(before)s%%.",
                now=now,
                before=before,
            )
        else:
            text = _(
                "More members act every day: %(now)s%%, up from %(before)s%%.",
                now=now,
                before=before,
            )
        return Norm("dynamic", text)
    if best_team is not None and best_team[1] > 0:
        name, acted, members = best_team
        return Norm(
            "team",
            _(
                "%(acted)s of your %(members)s teammates in %(team)s acted. "
                "Join them: one report takes a minute.",
                acted=acted,
                members=members,
                team=name,
            ),
        )
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

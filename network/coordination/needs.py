"""What an open alert still needs, derived from its category, severity, the target's wishes and
the voices goal. Pure functions: the claim service and the feed both use them.

Which actions may be asked for at all is decided by one table, network.guidance.rules, that the
guides follow too: here it only masks the counts, so no need ever asks for what a guide forbids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from network.guidance.rules import allowed_actions
from network.vocabulary import ActionType

PUBLIC_VOICES = (ActionType.COUNTER_SPEECH, ActionType.SUPPORT_TARGET_PUBLIC)


@dataclass(frozen=True)
class Need:
    """How many of one action an alert wants, has claimed, has done, and still has open."""

    wanted: int
    claimed: int
    done: int
    open: int

    def as_dict(self) -> dict[str, int]:
        return {
            "wanted": self.wanted,
            "claimed": self.claimed,
            "done": self.done,
            "open": self.open,
        }


def welcomed(target_requested_help: bool, wanted_actions: Iterable[str]) -> set[ActionType]:
    """Return the actions the target welcomes (all when the target did not choose)."""
    chosen = {ActionType(code) for code in wanted_actions} if target_requested_help else set()
    return chosen or set(ActionType)


# How many of each action an alert wants at severity 1, 2, 3 and 4; the public voices want the
# alert's `responder_goal` instead. One table for the Python below and the SQL of needs_sql.
PER_SEVERITY: dict[ActionType, tuple[int, int, int, int]] = {
    ActionType.SUPPORT_TARGET_PRIVATE: (1, 1, 2, 2),
    ActionType.ENLIST_HELP: (1, 1, 1, 1),
    ActionType.MESSAGE_AUTHOR: (1, 1, 1, 1),
    ActionType.REPORT_PLATFORM: (0, 2, 3, 3),
    # Wherever the rules allow it (severity 3 and 4, all threats and doxxing).
    ActionType.REPORT_AUTHORITY: (1, 1, 1, 1),
}


def wanted_counts(
    *,
    category: str,
    severity: int,
    responder_goal: int,
    target_requested_help: bool,
    wanted_actions: Iterable[str],
) -> dict[ActionType, int]:
    """Return how many of each action the alert wants; public voices share `responder_goal`.

    Only actions the guidance allows for the category and severity, and the target welcomes,
    are wanted at all."""
    wanted = {
        action: responder_goal if action in PUBLIC_VOICES else PER_SEVERITY[action][severity - 1]
        for action in ActionType
    }
    allowed = welcomed(target_requested_help, wanted_actions) & allowed_actions(category, severity)
    return {action: (count if action in allowed else 0) for action, count in wanted.items()}


def compute_needs(
    wanted: Mapping[ActionType, int], active: Mapping[ActionType, tuple[int, int]]
) -> dict[ActionType, Need]:
    """Combine wanted counts with live claims and completed actions (claimed, done) per type."""
    public_taken = sum(sum(active.get(action, (0, 0))) for action in PUBLIC_VOICES)
    public_goal = max((wanted[action] for action in PUBLIC_VOICES), default=0)
    needs: dict[ActionType, Need] = {}
    for action in ActionType:
        claimed, done = active.get(action, (0, 0))
        if action in PUBLIC_VOICES:
            # Both public forms count toward one goal, so nobody gets piled on.
            left = max(0, public_goal - public_taken) if wanted[action] else 0
        else:
            left = max(0, wanted[action] - claimed - done)
        needs[action] = Need(wanted[action], claimed, done, left)
    return needs

"""What an alert needs: derived from category, severity, the target's wishes and the goal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from network.coordination.needs import PUBLIC_VOICES, compute_needs, wanted_counts
from network.vocabulary import ActionType

CATEGORIES = [
    "hate",
    "shaming",
    "canceling",
    "threat",
    "sexual_harassment",
    "exclusion",
    "doxxing",
    "other",
]


def test_severity_two_hate_wants_reports_and_private_support() -> None:
    wanted = wanted_counts(
        category="hate",
        severity=2,
        responder_goal=3,
        target_requested_help=False,
        wanted_actions=[],
    )
    assert wanted[ActionType.REPORT_PLATFORM] == 2
    assert wanted[ActionType.SUPPORT_TARGET_PRIVATE] >= 1
    assert wanted[ActionType.REPORT_AUTHORITY] == 0
    assert wanted[ActionType.COUNTER_SPEECH] == 3


def test_threats_doxxing_and_severity_four_go_to_the_authorities() -> None:
    for category, severity in (("threat", 1), ("doxxing", 2), ("hate", 4)):
        wanted = wanted_counts(
            category=category,
            severity=severity,
            responder_goal=3,
            target_requested_help=False,
            wanted_actions=[],
        )
        assert wanted[ActionType.REPORT_AUTHORITY] == 1


def test_mild_alerts_need_no_platform_report() -> None:
    wanted = wanted_counts(
        category="exclusion",
        severity=1,
        responder_goal=3,
        target_requested_help=False,
        wanted_actions=[],
    )
    assert wanted[ActionType.REPORT_PLATFORM] == 0


def test_the_targets_wishes_are_respected() -> None:
    wanted = wanted_counts(
        category="hate",
        severity=3,
        responder_goal=3,
        target_requested_help=True,
        wanted_actions=["support_target_private", "report_platform"],
    )
    assert {a for a, n in wanted.items() if n} == {
        ActionType.SUPPORT_TARGET_PRIVATE,
        ActionType.REPORT_PLATFORM,
    }


def test_both_public_forms_share_one_goal() -> None:
    wanted = wanted_counts(
        category="hate",
        severity=2,
        responder_goal=3,
        target_requested_help=False,
        wanted_actions=[],
    )
    needs = compute_needs(
        wanted, {ActionType.COUNTER_SPEECH: (1, 1), ActionType.SUPPORT_TARGET_PUBLIC: (0, 1)}
    )
    assert needs[ActionType.COUNTER_SPEECH].open == 0
    assert needs[ActionType.SUPPORT_TARGET_PUBLIC].open == 0


@given(
    category=st.sampled_from(CATEGORIES),
    severity=st.integers(1, 4),
    goal=st.integers(1, 10),
    asked=st.booleans(),
    wishes=st.lists(st.sampled_from([a.value for a in ActionType]), max_size=7),
    taken=st.dictionaries(
        st.sampled_from(list(ActionType)), st.tuples(st.integers(0, 12), st.integers(0, 12))
    ),
)
def test_needs_never_exceed_caps_or_go_negative(
    category: str,
    severity: int,
    goal: int,
    asked: bool,
    wishes: list[str],
    taken: dict[ActionType, tuple[int, int]],
) -> None:
    wanted = wanted_counts(
        category=category,
        severity=severity,
        responder_goal=goal,
        target_requested_help=asked,
        wanted_actions=wishes,
    )
    needs = compute_needs(wanted, taken)
    public_taken = sum(sum(taken.get(a, (0, 0))) for a in PUBLIC_VOICES)
    for action, need in needs.items():
        assert 0 <= need.open <= need.wanted
        if action in PUBLIC_VOICES:
            assert need.open + public_taken >= min(goal, need.wanted) or need.open == 0
            assert need.open <= max(0, goal - public_taken)
        else:
            assert need.open == max(0, need.wanted - sum(taken.get(action, (0, 0))))
        if asked and wishes and action.value not in wishes:
            assert need.wanted == 0

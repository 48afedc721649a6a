"""The statistics of an experiment: shares with Wilson intervals, differences, tests, power.

Arms are compared with the control by a two-proportion z-test (pooled) and a Newcombe interval
for the difference (built from the two Wilson intervals); the members still needed come from
the power of a two-sided test at alpha 0.05 and power 0.8 for the difference the organiser cares
about (Cohen's h, `NormalIndPower`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05
POWER = 0.8


@dataclass(frozen=True)
class Share:
    """Members who acted out of members, with the 95% Wilson interval."""

    acted: int
    members: int
    share: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Difference:
    """An arm's share minus the control's, its 95% interval and the test's p-value."""

    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


def share(acted: int, members: int) -> Share:
    """Return the share who acted with its Wilson interval (None when there are no members)."""
    if members <= 0:
        return Share(acted, members, None, None, None)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(acted, members, alpha=ALPHA, method="wilson")
    return Share(acted, members, acted / members, float(low), float(high))


def difference(arm: Share, control: Share) -> Difference:
    """Compare an arm with the control: difference, Newcombe interval, z-test p-value."""
    if not arm.members or not control.members or arm.share is None or control.share is None:
        return Difference(None, None, None, None)
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    low, high = confint_proportions_2indep(
        arm.acted,
        arm.members,
        control.acted,
        control.members,
        method="newcomb",
        compare="diff",
        alpha=ALPHA,
    )
    pooled = (arm.acted + control.acted) / (arm.members + control.members)
    p_value: float | None = None
    # Everyone or no one acted in both: there is no variance to test against.
    if 0 < pooled < 1:
        _z, p = proportions_ztest(
            [arm.acted, control.acted], [arm.members, control.members], alternative="two-sided"
        )
        p_value = float(p)
    return Difference(arm.share - control.share, float(low), float(high), p_value)


def members_needed(baseline: float | None, minimum_effect: float) -> int | None:
    """Return the members each arm needs to detect `minimum_effect` against the baseline share.

    None when there is no baseline yet or the effect is not a change of the share."""
    if baseline is None or not 0 < minimum_effect < 1:
        return None
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    target = baseline + minimum_effect
    if target > 1:
        target = baseline - minimum_effect
    if not 0 <= target <= 1:
        return None
    effect = abs(float(proportion_effectsize(target, baseline)))
    if effect == 0:
        return None
    needed = NormalIndPower().solve_power(
        effect_size=effect, alpha=ALPHA, power=POWER, ratio=1.0, alternative="two-sided"
    )
    return math.ceil(float(needed))


def more_members_needed(needed: int | None, arm_members: int, control_members: int) -> int | None:
    """Return how many more members the arm and the control together still need."""
    if needed is None:
        return None
    return max(0, needed - arm_members) + max(0, needed - control_members)

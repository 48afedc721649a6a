"""Request and response schemas of norm-message experiments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from network.accounts.schemas import Strict
from network.learning.experiments import ArmResult, Results, arm_label
from network.learning.models import Experiment, ExperimentStatus

ArmCode = Literal["descriptive", "dynamic", "team", "invitation"]


class ExperimentIn(Strict):
    """Start an experiment on the digest's norm message (organisers)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    arms: list[ArmCode] = Field(
        min_length=2,
        max_length=4,
        description="Messages of the approved catalogue, each once; the first is the control.",
    )
    minimum_effect: float = Field(
        default=0.05,
        ge=0.01,
        le=0.5,
        description="The smallest difference in the share who act worth detecting (0.05 = 5 "
        "percentage points).",
    )


class ShareOut(BaseModel):
    """Members who acted out of members, with the 95% Wilson interval (null without members)."""

    acted: int
    members: int
    share: float | None
    low: float | None
    high: float | None


class DifferenceOut(BaseModel):
    """The arm's share minus the control's, its 95% Newcombe interval and the z-test p-value."""

    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


class ArmOut(BaseModel):
    """One arm's results."""

    arm: str
    label: str
    control: bool
    members: int = Field(description="Members with a digest whose 7 days have passed.")
    digests: int = Field(description="Digests whose 7 days have passed.")
    waiting: int = Field(description="Digests still inside their 7 days (not counted yet).")
    fallbacks: int = Field(
        description="Digests that showed the invitation because the arm's message was not true."
    )
    acted: ShareOut
    versus_control: DifferenceOut | None
    members_needed_per_arm: int | None = Field(
        description="Members each arm needs to detect the minimum effect (power 0.8, alpha 0.05)."
    )
    more_members_needed: int | None = Field(
        description="How many more members this arm and the control still need together."
    )

    @classmethod
    def of(cls, arm: ArmResult) -> ArmOut:
        difference = arm.versus_control
        return cls(
            arm=arm.arm,
            label=arm_label(arm.arm),
            control=arm.control,
            members=arm.members,
            digests=arm.digests,
            waiting=arm.waiting,
            fallbacks=arm.fallbacks,
            acted=ShareOut(**arm.acted.__dict__),
            versus_control=DifferenceOut(**difference.__dict__) if difference else None,
            members_needed_per_arm=arm.members_needed,
            more_members_needed=arm.more_members_needed,
        )


class ExperimentOut(BaseModel):
    """An experiment; with its results per arm when asked for one."""

    id: int
    name: str
    arms: list[str]
    minimum_effect: float
    status: ExperimentStatus
    started_at: datetime
    stopped_at: datetime | None
    results: list[ArmOut] | None = None

    @classmethod
    def of(cls, experiment: Experiment, results: Results | None = None) -> ExperimentOut:
        return cls(
            id=experiment.id,
            name=experiment.name,
            arms=list(experiment.arms),
            minimum_effect=experiment.minimum_effect,
            status=experiment.status,
            started_at=experiment.started_at,
            stopped_at=experiment.stopped_at,
            results=[ArmOut.of(arm) for arm in results.arms] if results else None,
        )


class ExperimentList(BaseModel):
    """Experiments, newest first."""

    items: list[ExperimentOut]

"""Randomised experiments on the digest's norm message: start, stop, assign, and the results.

Each arm is a message of the approved catalogue; the first arm is the control. A member's arm is
a hash of the experiment and the member (stable across runs, random-looking, the same for every
digest). An arm whose message cannot be said truthfully in a period (a descriptive share when
fewer than half acted, a rise that did not happen, a team where no teammate acted) shows the
invitation instead, and the digest records that it fell back: a digest never lies for an
experiment. The outcome: did the member complete an action within 7 days after the digest was
sent. Only digests whose 7 days have passed count, so a running experiment's newest digests do
not count as "did not act" before their time.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from network.accounts.models import Member
from network.accounts.policy import require_organiser
from network.coordination.models import Action, ActionStatus
from network.db import utcnow
from network.digests.models import Digest, DigestStatus
from network.digests.norm import Norm, injunctive, norm_of_kind
from network.errors import Conflict, NotFound, ValidationFailed
from network.extensions import db
from network.learning import stats
from network.learning.models import Experiment, ExperimentStatus
from network.moderation import audit
from network.text import text_problem
from network.translation import gettext as _
from network.translation import lazy_gettext as _l

# The approved catalogue: arm code → the norm kind it shows. Never a negative or minority norm.
CATALOGUE = {
    "descriptive": "descriptive",
    "dynamic": "dynamic",
    "team": "team",
    "invitation": "injunctive",
}
ARM_LABELS = {
    "descriptive": _l("Descriptive: how many in 10 members acted (only when half or more did)"),
    "dynamic": _l("Dynamic: more members act than before (only when that is true)"),
    "team": _l("Team: teammates who acted (only when one did)"),
    "invitation": _l("Invitation: members say it matters, with an invitation to act"),
}
FALLBACK = "invitation"
MIN_ARMS, MAX_ARMS = 2, 4
OUTCOME_WINDOW = timedelta(days=7)


def arm_label(code: str) -> str:
    """Return the arm's name in the current language."""
    label = ARM_LABELS.get(code)
    return str(label) if label is not None else code


# --- assignment -----------------------------------------------------------------------------------


def arm_index(experiment_id: int, member_id: int, arms: int) -> int:
    """Return the member's arm (0 is the control): sha256 of both ids, modulo the arms."""
    seed = f"upstander-experiment:{experiment_id}:member:{member_id}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % arms


def arm_for(experiment: Experiment, member_id: int) -> str:
    """Return the code of the arm the member is in."""
    arms = list(experiment.arms)
    return arms[arm_index(experiment.id, member_id, len(arms))]


@dataclass(frozen=True)
class Shown:
    """The norm message a member's digest shows in an experiment, and whether it fell back."""

    norm: Norm
    arm: str
    fallback: bool


def norm_in_experiment(
    experiment: Experiment,
    member_id: int,
    *,
    share: float,
    previous_share: float | None,
    weekly: bool,
    best_team: tuple[str, int, int] | None,
    acted: int = 0,
    previous_acted: int | None = None,
) -> Shown:
    """Return the message of the member's arm, or the invitation when the arm's is not true."""
    arm = arm_for(experiment, member_id)
    norm = norm_of_kind(
        CATALOGUE.get(arm, ""),
        share=share,
        previous_share=previous_share,
        weekly=weekly,
        best_team=best_team,
        acted=acted,
        previous_acted=previous_acted,
    )
    if norm is None:
        return Shown(injunctive(), arm, True)
    return Shown(norm, arm, False)


def running_experiment() -> Experiment | None:
    """Return the experiment that assigns members now, if any."""
    return db.session.scalar(
        sa.select(Experiment).where(Experiment.status == ExperimentStatus.RUNNING)
    )


# --- use cases ------------------------------------------------------------------------------------


def _problems(name: str, arms: list[str], minimum_effect: float) -> dict[str, str]:
    problems: dict[str, str] = {}
    name_problem = text_problem(name)
    if not name.strip():
        problems["name"] = _("Give the experiment a name.")
    elif name_problem:
        problems["name"] = name_problem
    elif len(name) > 120:
        problems["name"] = _("Use at most 120 characters.")
    if not MIN_ARMS <= len(arms) <= MAX_ARMS:
        problems["arms"] = _("Choose 2 to 4 messages.")
    elif len(set(arms)) != len(arms):
        problems["arms"] = _("Choose each message once.")
    elif any(arm not in CATALOGUE for arm in arms):
        problems["arms"] = _("Choose messages from the approved catalogue.")
    if not 0.01 <= minimum_effect <= 0.5:
        problems["minimum_effect"] = _("Choose a difference between 1 and 50 percentage points.")
    return problems


def start_experiment(
    actor: Member, *, name: str, arms: list[str], minimum_effect: float
) -> Experiment:
    """Start an experiment (organisers); the first arm is the control. One runs at a time."""
    require_organiser(actor)
    name = name.strip()
    problems = _problems(name, arms, minimum_effect)
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    if running_experiment() is not None:
        raise _already_running()
    experiment = Experiment(
        name=name,
        arms=list(arms),
        minimum_effect=minimum_effect,
        status=ExperimentStatus.RUNNING,
        created_by_id=actor.id,
        started_at=utcnow(),
        details={},
    )
    db.session.add(experiment)
    try:
        # Two organisers racing: the partial unique index lets one of them in.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _already_running() from None
    audit.record(
        actor,
        "experiment.started",
        "experiment",
        experiment.id,
        name=name,
        arms=list(arms),
        minimum_effect=minimum_effect,
    )
    db.session.commit()
    return experiment


def _already_running() -> Conflict:
    return Conflict(
        _("An experiment is already running: stop it before starting another."),
        code="experiment_running",
    )


def stop_experiment(actor: Member, experiment_id: int) -> Experiment:
    """Stop the running experiment (organisers): digests show the usual message again."""
    require_organiser(actor)
    experiment = db.session.scalar(
        sa.select(Experiment).where(Experiment.id == experiment_id).with_for_update()
    )
    if experiment is None:
        raise NotFound(_("This experiment does not exist."))
    if experiment.status != ExperimentStatus.RUNNING:
        raise Conflict(_("This experiment has already stopped."), code="not_running")
    experiment.status = ExperimentStatus.STOPPED
    experiment.stopped_at = utcnow()
    audit.record(actor, "experiment.stopped", "experiment", experiment.id)
    db.session.commit()
    return experiment


def experiments(actor: Member) -> list[Experiment]:
    """List experiments, newest first (organisers)."""
    require_organiser(actor)
    return list(db.session.scalars(sa.select(Experiment).order_by(Experiment.id.desc())))


def experiment(actor: Member, experiment_id: int) -> Experiment:
    """Return one experiment (organisers)."""
    require_organiser(actor)
    found = db.session.get(Experiment, experiment_id)
    if found is None:
        raise NotFound(_("This experiment does not exist."))
    return found


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmResult:
    """One arm: its members and digests, the share who acted, and the comparison to control."""

    arm: str
    control: bool
    members: int
    digests: int
    fallbacks: int
    waiting: int
    acted: stats.Share
    versus_control: stats.Difference | None
    members_needed: int | None
    more_members_needed: int | None


@dataclass(frozen=True)
class Results:
    """What an experiment shows so far."""

    experiment: Experiment
    arms: list[ArmResult] = field(default_factory=list)
    counted_until: datetime | None = None


def results(experiment: Experiment, *, now: datetime | None = None) -> Results:
    """Compute the results per arm in two queries, whatever the number of digests.

    A member counts in the arm their digests showed; they acted when they completed an action
    within 7 days after any of their counted digests was sent."""
    now = now or utcnow()
    counted_until = now - OUTCOME_WINDOW
    digests = db.session.execute(
        sa.select(
            Digest.member_id,
            Digest.experiment_arm,
            Digest.sent_at,
            Digest.norm_kind,
        ).where(
            Digest.experiment_id == experiment.id,
            Digest.status == DigestStatus.SENT,
            Digest.sent_at.is_not(None),
        )
    ).all()
    done = db.session.execute(
        sa.select(Action.member_id, Action.done_at).where(
            Action.member_id.in_(
                sa.select(Digest.member_id).where(Digest.experiment_id == experiment.id)
            ),
            Action.status == ActionStatus.DONE,
            Action.done_at >= experiment.started_at,
        )
    ).all()
    done_at: dict[int, list[datetime]] = defaultdict(list)
    for member_id, moment in done:
        if member_id is not None and moment is not None:
            done_at[member_id].append(moment)
    for moments in done_at.values():
        moments.sort()

    members: dict[str, set[int]] = defaultdict(set)
    acted: dict[str, set[int]] = defaultdict(set)
    digest_count: dict[str, int] = defaultdict(int)
    fallbacks: dict[str, int] = defaultdict(int)
    waiting: dict[str, int] = defaultdict(int)
    for member_id, arm, sent_at, kind in digests:
        arm = arm or ""
        assert sent_at is not None  # selected so
        if kind != CATALOGUE.get(arm):
            fallbacks[arm] += 1
        if sent_at > counted_until:
            waiting[arm] += 1
            continue
        digest_count[arm] += 1
        members[arm].add(member_id)
        moments = done_at.get(member_id, [])
        first = bisect.bisect_left(moments, sent_at)
        if first < len(moments) and moments[first] <= sent_at + OUTCOME_WINDOW:
            acted[arm].add(member_id)

    arms = list(experiment.arms)
    shares = {arm: stats.share(len(acted[arm]), len(members[arm])) for arm in arms}
    control = shares[arms[0]]
    needed = stats.members_needed(control.share, experiment.minimum_effect)
    found = []
    for position, arm in enumerate(arms):
        is_control = position == 0
        found.append(
            ArmResult(
                arm=arm,
                control=is_control,
                members=len(members[arm]),
                digests=digest_count[arm],
                fallbacks=fallbacks[arm],
                waiting=waiting[arm],
                acted=shares[arm],
                versus_control=None if is_control else stats.difference(shares[arm], control),
                members_needed=needed,
                more_members_needed=None
                if is_control
                else stats.more_members_needed(needed, len(members[arm]), control.members),
            )
        )
    return Results(experiment, found, counted_until)

"""API resources: norm-message experiments and their results (organisers)."""

from __future__ import annotations

from network.accounts.models import Member
from network.api import operation
from network.learning import experiments
from network.learning.experiment_schemas import ExperimentIn, ExperimentList, ExperimentOut


@operation("/experiments", "GET", tag="experiments", response=ExperimentList, errors=(403,))
def list_experiments(actor: Member) -> ExperimentList:
    """List norm-message experiments, newest first (organisers)."""
    return ExperimentList(
        items=[ExperimentOut.of(found) for found in experiments.experiments(actor)]
    )


@operation(
    "/experiments",
    "POST",
    tag="experiments",
    body=ExperimentIn,
    response=ExperimentOut,
    status=201,
    errors=(403, 409),
)
def start_experiment(actor: Member, body: ExperimentIn) -> ExperimentOut:
    """Start an experiment on the digest's norm message (organisers; one runs at a time)."""
    started = experiments.start_experiment(
        actor, name=body.name, arms=list(body.arms), minimum_effect=body.minimum_effect
    )
    return ExperimentOut.of(started)


@operation(
    "/experiments/<int:experiment_id>",
    "GET",
    tag="experiments",
    response=ExperimentOut,
    errors=(403, 404),
)
def get_experiment(actor: Member, experiment_id: int) -> ExperimentOut:
    """Return one experiment with its results per arm (organisers)."""
    found = experiments.experiment(actor, experiment_id)
    return ExperimentOut.of(found, experiments.results(found))


@operation(
    "/experiments/<int:experiment_id>/stop",
    "POST",
    tag="experiments",
    response=ExperimentOut,
    errors=(403, 404, 409),
)
def stop_experiment(actor: Member, experiment_id: int) -> ExperimentOut:
    """Stop the running experiment (organisers)."""
    return ExperimentOut.of(experiments.stop_experiment(actor, experiment_id))

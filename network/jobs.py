"""The job port: services queue background work by the job's name, without knowing the tasks.

Jobs are Celery tasks (network/tasks/); a service that needs one to run after its commit calls
`enqueue("network.notices.mail", notice_id)`. Like every task call, only JSON-able ids go in."""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import current_app

# The jobs services may queue, by their task names (declared in network/tasks/).
MAIL_NOTICE = "network.notices.mail"
ANNOUNCE_CAMPAIGN_LAUNCH = "network.campaigns.announce_launch"
# Reach (network/tasks/reach.py): personal asks, pushes and group chat posts.
DELIVER_ASK = "network.reach.deliver_ask"
# Personal asks chosen once an alert went live (network/tasks/coordination.py).
ASK_MEMBERS = "network.coordination.ask_members"
PUSH_ALERT_LIVE = "network.reach.alert_live"
PUSH_REVIEW_WAITING = "network.reach.review_waiting"
PUSH_CAMPAIGN_LAUNCHED = "network.reach.campaign_launched"
PUSH_NOTICE = "network.reach.notice"
# Learning (network/tasks/learning.py): the push that asks what happened after an action.
PUSH_CHECK_IN = "network.learning.push_check_in"
# Webhooks (network/tasks/webhooks.py): one delivery to an organisation's endpoint.
DELIVER_WEBHOOK = "network.webhooks.deliver"


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the job `name` with these arguments; raises when the broker cannot take it."""
    celery: Celery = current_app.extensions["celery"]
    celery.send_task(name, args=args, kwargs=kwargs)

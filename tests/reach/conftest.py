"""The other ends of reach, for real: the push service, browsers' keys and a group chat's webhook
(tests/support/push.py), and the SMTP sink."""

from __future__ import annotations

from tests.alerts.conftest import alert_body, organiser, post_alert
from tests.digests.conftest import mail_to, smtp_sink
from tests.support.push import browser, chat_webhook, push_service

__all__ = [
    "alert_body",
    "browser",
    "chat_webhook",
    "mail_to",
    "organiser",
    "post_alert",
    "push_service",
    "smtp_sink",
]

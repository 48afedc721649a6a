"""Notice jobs: the email that follows an in-app notice."""

from __future__ import annotations

from celery import shared_task

from network.notices import mailing


@shared_task(name="network.notices.mail")
def mail_notice(notice_id: int) -> bool:
    """Email one notice to its member (verified addresses only)."""
    return mailing.mail_notice(notice_id)

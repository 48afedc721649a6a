"""Keep secrets out of logs: passwords, tokens and database error details are redacted."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"
PATTERNS = (
    # password=…, "password": "…", new_password=…, SMTP_PASSWORD=…, secret=…
    (
        re.compile(
            r"""(?ix)
            (\b[\w-]*(?:password|passwd|secret)[\w-]*)  # the name
            (["']?\s*[:=]\s*["']?)                      # = or :, perhaps quoted
            [^\s"'&,;)}\]]+                             # the value
            """
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), rf"\1 {REDACTED}"),
    (re.compile(r"\bupn_[A-Za-z0-9_-]+"), f"upn_{REDACTED}"),
    # PostgreSQL explains constraint errors with the row's values ("Failing row contains (…)",
    # "Key (email)=(…)"): summaries and email addresses.
    (re.compile(r"\bDETAIL:[^\n]*"), f"DETAIL: {REDACTED}"),
)


def redact(text: str) -> str:
    """Return the text with every secret replaced by [redacted]."""
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrite a log record so its message and traceback carry no secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's problem to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text, so the traceback is written redacted.
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            cleaned = redact(text)
            if cleaned != text:
                record.exc_text = cleaned
        return True


def install() -> None:
    """Redact every log record as it is made, whichever logger or handler it goes to."""
    # A filter on a logger misses records of its children, and handlers (gunicorn's, Celery's,
    # pytest's) come and go; the record factory sees every record. Installing twice is harmless.
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_secrets", False):
        return
    redactor = RedactSecrets()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        redactor.filter(record)
        return record

    make_record.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)

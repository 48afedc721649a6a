"""The application's settings as one typed, frozen object, built once by create_app().

config.py reads the environment into the Flask config mapping (Flask and its extensions read
their own keys there). Our code reads its settings from here instead: typed once, so no call
site casts, and frozen, so nothing changes them behind the code's back. The one setting that
changes after start-up, SITE_URL under `upstander serve`, is replaced with `replace_settings`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app


@dataclass(frozen=True)
class Settings:
    """Every setting our code reads; docs/configuration.md explains each variable."""

    environment: str
    secret_key: str
    site_url: str
    site_url_derived: bool
    database_url: str
    database_pool_size: int
    token_cache_seconds: int
    redis_url: str | None
    celery_embedded: bool
    default_locale: str
    default_time_zone: str
    password_hash_profile: str
    login_limit_per_ip: str
    login_limit_per_account: str
    signup_limit_per_ip: str
    account_mail_limit_per_ip: str
    account_mail_limit_per_address: str
    password_reset_max_age: int
    email_verification_max_age: int
    alert_limit_new_member: str
    alert_limit_trusted: str
    flag_limit: str
    trust_promotion_approved_alerts: int
    abuse_flags_to_hide: int
    trust_demotion_rejected_alerts: int
    trust_demotion_days: int
    trust_batch_hour: int
    alert_expiry_days: int
    summary_retention_days: int
    claim_minutes: int
    asks_per_alert: int
    ask_minutes: int
    checkin_hours: int
    impact_snapshot_max_age_minutes: int
    feed_replay_limit: int
    claim_limit: str
    socket_event_limit: str
    digest_send_hour: int
    digest_weekday: int
    digest_batch_size: int
    digest_claim_lease_minutes: int
    broker_visibility_timeout: int
    worker_niceness: int
    campaign_reminder_days: int
    feed_event_retention_days: int
    socketio_channel: str
    socketio_message_queue: str | None
    socketio_async_mode: str
    mail_outbox: str
    mail_from: str
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    proxy_fix: bool
    report_country: str
    instance_path: str
    vapid_private_key: str | None
    vapid_subject: str | None
    push_service_hosts: str
    push_ttl_seconds: int
    push_timeout_seconds: int
    push_retry_seconds: int
    webhook_test_hosts: str
    webhook_max_attempts: int
    webhook_retry_seconds: int
    webhook_timeout_seconds: int
    webhook_limit: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Build the settings from the config mapping (upper-case keys), checking every type."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            key = "BABEL_DEFAULT_LOCALE" if field.name == "default_locale" else field.name.upper()
            values[field.name] = _typed(key, config[key], str(field.type))
        loaded = cls(**values)
        if loaded.database_pool_size < 2:
            # A digest batch holds a second connection beside its session's (its marks).
            raise ValueError(
                f"DATABASE_POOL_SIZE must be at least 2, not {loaded.database_pool_size}"
            )
        if loaded.token_cache_seconds < 0:
            raise ValueError(
                f"TOKEN_CACHE_SECONDS must be 0 (off) or more, not {loaded.token_cache_seconds}"
            )
        if not 0 <= loaded.worker_niceness <= 19:
            raise ValueError(
                f"WORKER_NICENESS must be between 0 and 19, not {loaded.worker_niceness}"
            )
        return loaded


def _typed(key: str, value: Any, kind: str) -> Any:
    """Return a setting as its declared type; overrides given as text are converted once."""
    if value is None and "None" in kind:
        return None
    if kind.startswith("int"):
        return int(value)
    if kind.startswith("bool"):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if kind.startswith("str"):
        return str(value)
    raise TypeError(f"setting {key} has an unknown type {kind}")


def init_app(app: Flask) -> Settings:
    """Load the settings once from the app's config and keep them on the app."""
    loaded = Settings.from_config(app.config)
    app.extensions["settings"] = loaded
    return loaded


def settings() -> Settings:
    """Return the settings of the current app."""
    return settings_of(current_app)


def settings_of(app: Flask) -> Settings:
    """Return the settings of an app."""
    found: Settings = app.extensions["settings"]
    return found


def replace_settings(app: Flask, **changes: Any) -> Settings:
    """Replace some settings of an app (a new frozen object; the config mapping follows)."""
    changed = dataclasses.replace(settings_of(app), **changes)
    app.extensions["settings"] = changed
    for name, value in changes.items():
        app.config["BABEL_DEFAULT_LOCALE" if name == "default_locale" else name.upper()] = value
    return changed

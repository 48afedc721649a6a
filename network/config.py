"""Settings from environment variables (and `.env`), with safe defaults for the embedded mode."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Chrome/Edge (FCM), Firefox (Mozilla autopush), Safari (Apple), and Windows (WNS).
DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.services.mozilla.com,"
    "web.push.apple.com,*.push.apple.com,*.notify.windows.com"
)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw not in (None, "") else default


def load(
    overrides: dict[str, Any] | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return the Flask config mapping built from the environment and explicit overrides."""
    env = dict(os.environ if env is None else env)
    environment = env.get("FLASK_ENV_NAME", env.get("UPSTANDER_ENV", "development"))
    development = environment in {"development", "test"}
    instance = Path(env.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    redis_url = env.get("REDIS_URL") or None
    secret = env.get("SECRET_KEY")
    if not secret:
        if not development:
            raise RuntimeError("SECRET_KEY must be set outside development")
        secret = _development_secret(instance)

    config: dict[str, Any] = {
        "ENVIRONMENT": environment,
        "SECRET_KEY": secret,
        "SITE_URL": site_url(env),
        # Links in mail follow `upstander serve --host/--port` unless SITE_URL was given.
        "SITE_URL_DERIVED": not (env.get("SITE_URL") or "").strip(),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'network.db'}",
        # Connections each process keeps to PostgreSQL, at most; requests beyond wait for one.
        "DATABASE_POOL_SIZE": _int(env, "DATABASE_POOL_SIZE", 10),
        # Seconds a process remembers the member behind an access token (PostgreSQL; 0: off).
        "TOKEN_CACHE_SECONDS": _int(env, "TOKEN_CACHE_SECONDS", 60),
        "REDIS_URL": redis_url,
        # Embedded mode: worker and beat run inside the web process on an in-memory broker.
        "CELERY_EMBEDDED": redis_url is None and _bool(env.get("CELERY_EMBEDDED"), True),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), not development),
        "SESSION_COOKIE_NAME": "upstander_session",
        # A log-in lasts this long after the last visit: the permanent session cookie is renewed
        # on every request, and an older signature is refused. No remember-me cookie is used.
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_LIFETIME_SECONDS", 14 * 24 * 3600),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # No Referer check: the Referrer-Policy (no-referrer) keeps browsers from sending one,
        # so it would refuse every form over HTTPS. The session-bound token is the defence.
        "WTF_CSRF_SSL_STRICT": False,
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "DEFAULT_TIME_ZONE": env.get("DEFAULT_TIME_ZONE", "Europe/Amsterdam"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # No fallback to this process's memory when Redis is down: it would start every count
        # from zero. A failed check is logged; log-in is refused, the rest goes on unlimited.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "upstander"),
        "LOGIN_LIMIT_PER_IP": env.get("LOGIN_LIMIT_PER_IP", "25 per 5 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "25 per hour"),
        "SIGNUP_LIMIT_PER_IP": env.get("SIGNUP_LIMIT_PER_IP", "5 per 30 minutes"),
        # Account mail (reset links, sign-up notices, address checks) per client and per address.
        "ACCOUNT_MAIL_LIMIT_PER_IP": env.get("ACCOUNT_MAIL_LIMIT_PER_IP", "10 per hour"),
        "ACCOUNT_MAIL_LIMIT_PER_ADDRESS": env.get("ACCOUNT_MAIL_LIMIT_PER_ADDRESS", "3 per hour"),
        # How long the links mailed to members work (seconds): password reset, address check.
        "PASSWORD_RESET_MAX_AGE": _int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        "EMAIL_VERIFICATION_MAX_AGE": _int(env, "EMAIL_VERIFICATION_MAX_AGE", 7 * 24 * 3600),
        "ALERT_LIMIT_NEW_MEMBER": env.get("ALERT_LIMIT_NEW_MEMBER", "3 per day"),
        "ALERT_LIMIT_TRUSTED": env.get("ALERT_LIMIT_TRUSTED", "20 per day"),
        "FLAG_LIMIT": env.get("FLAG_LIMIT", "30 per day"),
        "TRUST_PROMOTION_APPROVED_ALERTS": _int(env, "TRUST_PROMOTION_APPROVED_ALERTS", 3),
        "ABUSE_FLAGS_TO_HIDE": _int(env, "ABUSE_FLAGS_TO_HIDE", 3),
        "TRUST_DEMOTION_REJECTED_ALERTS": _int(env, "TRUST_DEMOTION_REJECTED_ALERTS", 2),
        "TRUST_DEMOTION_DAYS": _int(env, "TRUST_DEMOTION_DAYS", 30),
        "TRUST_BATCH_HOUR": _int(env, "TRUST_BATCH_HOUR", 3),
        "ALERT_EXPIRY_DAYS": _int(env, "ALERT_EXPIRY_DAYS", 7),
        # Summaries of closed alerts and private action notes are deleted this many days later.
        "SUMMARY_RETENTION_DAYS": _int(env, "SUMMARY_RETENTION_DAYS", 90),
        "CLAIM_MINUTES": _int(env, "CLAIM_MINUTES", 120),
        "ASKS_PER_ALERT": _int(env, "ASKS_PER_ALERT", 3),
        "ASK_MINUTES": _int(env, "ASK_MINUTES", 30),
        # Hours after an action is done before its volunteer is asked what happened.
        "CHECKIN_HOURS": _int(env, "CHECKIN_HOURS", 24),
        # Oldest kept impact figures the impact page may show (a job refreshes them every 15 min).
        "IMPACT_SNAPSHOT_MAX_AGE_MINUTES": _int(env, "IMPACT_SNAPSHOT_MAX_AGE_MINUTES", 20),
        "FEED_REPLAY_LIMIT": _int(env, "FEED_REPLAY_LIMIT", 500),
        "CLAIM_LIMIT": env.get("CLAIM_LIMIT", "60 per hour"),
        "SOCKET_EVENT_LIMIT": env.get("SOCKET_EVENT_LIMIT", "60 per minute"),
        "DIGEST_SEND_HOUR": _int(env, "DIGEST_SEND_HOUR", 8),
        "DIGEST_WEEKDAY": _int(env, "DIGEST_WEEKDAY", 0),
        # Background jobs yield the CPU to the web processes that answer people (0 to 19).
        "WORKER_NICENESS": _int(env, "WORKER_NICENESS", 10),
        "DIGEST_BATCH_SIZE": _int(env, "DIGEST_BATCH_SIZE", 200),
        "DIGEST_CLAIM_LEASE_MINUTES": _int(env, "DIGEST_CLAIM_LEASE_MINUTES", 15),
        "BROKER_VISIBILITY_TIMEOUT": _int(env, "BROKER_VISIBILITY_TIMEOUT", 3600),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), False),
        "CAMPAIGN_REMINDER_DAYS": _int(env, "CAMPAIGN_REMINDER_DAYS", 3),
        # The Redis pub/sub channel of this installation (pub/sub ignores database numbers).
        "FEED_EVENT_RETENTION_DAYS": _int(env, "FEED_EVENT_RETENTION_DAYS", 7),
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL", "upstander"),
        "SOCKETIO_MESSAGE_QUEUE": env.get("SOCKETIO_MESSAGE_QUEUE") or redis_url,
        "SOCKETIO_ASYNC_MODE": env.get("SOCKETIO_ASYNC_MODE") or socketio_async_mode(),
        "MAIL_OUTBOX": env.get("MAIL_OUTBOX", str(instance / "outbox")),
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "MAIL_FROM": env.get("MAIL_FROM", "Upstander Network <noreply@localhost>"),
        "PROXY_FIX": _bool(env.get("PROXY_FIX"), False),
        # Whose police and hotlines the report guide shows first (NL or BE).
        "REPORT_COUNTRY": (env.get("REPORT_COUNTRY") or "NL").strip().upper(),
        # "cheapest" keeps argon2id with its cheapest parameters: for test suites only.
        "PASSWORD_HASH_PROFILE": env.get("PASSWORD_HASH_PROFILE") or "default",
        "INSTANCE_PATH": str(instance),
        # Web Push: the VAPID key pair (a PEM or base64url private key; the public key is derived
        # from it). Unset in the embedded mode: made on first run in the instance folder.
        "VAPID_PRIVATE_KEY": env.get("VAPID_PRIVATE_KEY") or None,
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT") or None,
        # The server POSTs to a browser's endpoint: only https on these push services (`*.` for
        # any subdomain), so no internal address can be reached through a subscription.
        "PUSH_SERVICE_HOSTS": env.get("PUSH_SERVICE_HOSTS", DEFAULT_PUSH_SERVICE_HOSTS),
        "PUSH_TTL_SECONDS": _int(env, "PUSH_TTL_SECONDS", 12 * 3600),
        "PUSH_TIMEOUT_SECONDS": _int(env, "PUSH_TIMEOUT_SECONDS", 10),
        # The pause before another try of a push that failed for now; it doubles at each try.
        "PUSH_RETRY_SECONDS": _int(env, "PUSH_RETRY_SECONDS", 30),
        # Webhooks go to https on public addresses only; these hosts (tests: `127.0.0.1`) skip
        # that rule and may use http. Empty in production.
        "WEBHOOK_TEST_HOSTS": env.get("WEBHOOK_TEST_HOSTS", ""),
        "WEBHOOK_MAX_ATTEMPTS": _int(env, "WEBHOOK_MAX_ATTEMPTS", 6),
        "WEBHOOK_RETRY_SECONDS": _int(env, "WEBHOOK_RETRY_SECONDS", 30),
        "WEBHOOK_TIMEOUT_SECONDS": _int(env, "WEBHOOK_TIMEOUT_SECONDS", 10),
        "WEBHOOK_LIMIT": env.get("WEBHOOK_LIMIT", "60 per hour"),
    }
    if overrides:
        config.update(overrides)
    return config


def site_url(env: dict[str, str]) -> str:
    """Return SITE_URL, or the address `upstander serve` listens on (HOST and PORT)."""
    explicit = (env.get("SITE_URL") or "").strip()
    if explicit:
        return explicit.rstrip("/")
    return served_url(env.get("HOST") or "127.0.0.1", env.get("PORT") or "5000")


def served_url(host: str, port: int | str) -> str:
    """Return the http:// address a browser on this machine uses for a listening host and port."""
    host = host.strip()
    # A wildcard address listens everywhere but is no address to link to.
    if host in {"", "0.0.0.0", "::", "[::]"}:  # noqa: S104 (compared, not bound)
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{str(port).strip()}"


def socketio_async_mode() -> str:
    """Return "gevent" in a process gevent has monkey-patched, else "threading".

    Gunicorn's gevent worker patches sockets before it loads the app. Flask-SocketIO's own
    detection would pick gevent whenever it is installed, also in processes that never patched
    the standard library (`upstander serve`, Celery workers), where blocking I/O stalls the
    gevent loop."""
    # A process that patched sockets has imported gevent.monkey; never import gevent otherwise.
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        return "gevent"
    return "threading"


def _development_secret(instance: Path) -> str:
    """Keep one random key per checkout so development sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()

"""Canonical, safe URLs: one form per thread, whatever variant a member pasted.

The server never fetches these URLs; everything here is string work.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from network.vocabulary import Platform

MAX_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# Tracking parameters removed on every site.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "igshid", "igsh", "mibextid", "si", "_rdr", "yclid"}
)
# Share and tracking parameters that only the known platforms use; elsewhere they may matter.
PLATFORM_SHARE_PARAMETERS = frozenset(
    {
        "s",
        "t",
        "ref",
        "ref_src",
        "ref_url",
        "feature",
        "is_from_webapp",
        "sender_device",
        "share_id",
        "share_app_id",
        "rdt",
        "context",
        "xmt",
        "_t",
        "_r",
        "app",
        "utm",
        "sh",
    }
)
TRACKING_PREFIXES = ("utm_", "__cft__", "__tn__")
# Sub-domains that show the same thread as the main site.
MIRROR_SUBDOMAINS = ("www.", "m.", "mobile.", "mbasic.", "web.", "old.", "new.", "touch.")
HOST_ALIASES = {
    "twitter.com": "x.com",
    "fb.com": "facebook.com",
    "discordapp.com": "discord.com",
    "instagr.am": "instagram.com",
}
PLATFORM_DOMAINS: dict[str, Platform] = {
    "instagram.com": Platform.INSTAGRAM,
    "tiktok.com": Platform.TIKTOK,
    "x.com": Platform.X,
    "facebook.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "youtube.com": Platform.YOUTUBE,
    "reddit.com": Platform.REDDIT,
    "snapchat.com": Platform.SNAPCHAT,
    "discord.com": Platform.DISCORD,
    "discord.gg": Platform.DISCORD,
    "twitch.tv": Platform.TWITCH,
}
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_PATTERN = re.compile(rf"^(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*$")
PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class InvalidUrl(ValueError):
    """The text is not an http(s) URL the network accepts; the message says why."""


@dataclass(frozen=True)
class CanonicalUrl:
    """The canonical form of a thread's URL and the platform it is on."""

    url: str
    platform: Platform

    @property
    def digest(self) -> str:
        """Return the SHA-256 of the canonical URL (indexed, so one alert per thread)."""
        return hashlib.sha256(self.url.encode()).hexdigest()


def canonicalise(raw: str) -> CanonicalUrl:
    """Return the canonical form of an http(s) URL, or raise InvalidUrl."""
    text = raw.strip()
    if not text:
        raise InvalidUrl("empty")
    if len(text) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    if any(ord(char) < 33 or ord(char) == 127 for char in text):
        raise InvalidUrl("whitespace")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidUrl("malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidUrl("scheme")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidUrl("credentials")
    host = _host(parts.hostname or "")
    platform = platform_of(host)
    path, query = _path(parts.path), _query(parts.query, platform)
    if host == "youtu.be" and path.strip("/"):
        host, path = "youtube.com", "/watch"
        query = _query(urlencode([("v", parts.path.strip("/").split("/")[0])]), platform)
        platform = Platform.YOUTUBE
    if platform != Platform.OTHER:
        scheme, port = "https", None  # http and https show the same thread on every platform
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    canonical = urlunsplit((scheme, netloc, path, query, ""))
    if len(canonical) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    return CanonicalUrl(canonical, platform)


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidUrl("host") from None
    if not HOST_PATTERN.match(host) or "." not in host:
        raise InvalidUrl("host")
    base = _strip_mirror(host)
    base = HOST_ALIASES.get(base, base)
    return base if platform_of(base) != Platform.OTHER or base == "youtu.be" else host


def _strip_mirror(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in MIRROR_SUBDOMAINS:
            if host.startswith(prefix) and host.count(".") > 1:
                host, changed = host[len(prefix) :], True
    return host


def platform_of(host: str) -> Platform:
    """Return the platform a host belongs to (other when unknown)."""
    for domain, platform in PLATFORM_DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return Platform.OTHER


def _path(path: str) -> str:
    path = quote(path, safe=PATH_SAFE).rstrip("/")
    return path or "/"


def _query(query: str, platform: Platform) -> str:
    dropped = TRACKING_PARAMETERS
    if platform != Platform.OTHER:
        dropped = dropped | PLATFORM_SHARE_PARAMETERS
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key.lower() not in dropped and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlencode(sorted(pairs), quote_via=quote)

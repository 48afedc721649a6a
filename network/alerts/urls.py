"""Canonical, safe URLs: one form per thread, whatever variant a member pasted.

Every URL gets RFC 3986 normalisation (scheme and host case, IDNA, percent-encoding, dot and empty
path segments, default ports), plus what shows the same page on the web: http and https, `www.`,
a trailing dot, fragments and tracking parameters, the order of parameters. On the platforms the
network knows, a thread is then named by the platform's own identity of it (threads.py): an X
status by its id, a Reddit post by its id, a YouTube video by its id, and so on.

The server never fetches these URLs; everything here is string work. Short links that only the
platform can resolve (vm.tiktok.com, fb.watch, reddit.com/r/…/s/…) are kept as they are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import idna

from network.alerts import threads
from network.vocabulary import Platform

MAX_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
HOST_PATTERN = re.compile(rf"^(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*$")
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# What a path segment may hold unencoded (RFC 3986 pchar, less the percent sign).
PCHAR = UNRESERVED | frozenset("!$&'()*+,;=:@")
# What a query name or value keeps unencoded; `&`, `=`, `+` and `#` would change its meaning.
QUERY_SAFE = "-._~!$'()*,;:@/?"
PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


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


@lru_cache(maxsize=512)
def canonicalise(raw: str) -> CanonicalUrl:
    """Return the canonical form of an http(s) URL, or raise InvalidUrl.

    Pure string work, remembered for the last few hundred URLs: a post checks its URL and then
    uses its canonical form, and the same thread is often reported by several members."""
    text = raw.strip()
    if not text:
        raise InvalidUrl("empty")
    if len(text) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    if any(ord(char) < 33 or ord(char) == 127 for char in text):
        raise InvalidUrl("whitespace")
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: no URL can hold it
        raise InvalidUrl("malformed") from None
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
    page = threads.Page(
        host=_host(parts.hostname or ""),
        path=normalise_path(parts.path),
        query=query_pairs(parts.query),
        fragment=route_of(parts.fragment),
    )
    page = threads.identify(page)
    # http and https show the same page, so the canonical scheme is https: its default port
    # goes too (http://host:443 is https://host), other ports stay.
    default = port in (None, DEFAULT_PORTS[scheme], DEFAULT_PORTS["https"])
    netloc = page.host if default else f"{page.host}:{port}"
    canonical = f"https://{netloc}{page.path}"
    if page.query:
        canonical += "?" + encode_query(page.query)
    if page.fragment:
        canonical += "#" + page.fragment
    if len(canonical) > MAX_LENGTH:
        raise InvalidUrl("too_long")
    return CanonicalUrl(canonical, page.platform)


def route_of(fragment: str) -> str:
    """Keep a fragment only where it names the page on a single-page site (#/… or #!/…)."""
    if fragment.startswith(("/", "!/")):
        route = normalise_path(fragment.removeprefix("!"))
        if route != "/":  # the start page: as good as no fragment
            return ("!" if fragment.startswith("!") else "") + route
    return ""


def _host(hostname: str) -> str:
    """Return the host in lower case, IDNA-encoded, without a trailing dot."""
    try:
        host = unquote(hostname, errors="strict").lower().rstrip(".")
    except UnicodeDecodeError:
        raise InvalidUrl("host") from None
    if not host.isascii() or "xn--" in host:
        try:
            # UTS #46 without the transitional mapping: faß.de stays apart from fass.de.
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise InvalidUrl("host") from None
    if not HOST_PATTERN.match(host) or "." not in host:
        raise InvalidUrl("host")
    return host


def normalise_path(path: str) -> str:
    """Return the path with RFC 3986 normalisation, no empty segments and no trailing slash."""
    segments: list[str] = []
    for raw in path.split("/"):
        segment = normalise_segment(raw)
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def normalise_segment(segment: str) -> str:
    """Decode escaped unreserved characters, upper-case other escapes, encode the rest."""
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        match = PERCENT.match(segment, index) if char == "%" else None
        if match:
            decoded = chr(int(match.group(1), 16))
            out.append(decoded if decoded in UNRESERVED else "%" + match.group(1).upper())
            index += 3
            continue
        if char in PCHAR:
            out.append(char)
        else:
            out.append(quote(char, safe="", errors="surrogateescape"))
        index += 1
    return "".join(out)


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Return the query's names and values, decoded (`+` is a space, as in forms)."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(text: str) -> str:
    return unquote(text.replace("+", " "), errors="surrogateescape")


def encode_query(pairs: list[tuple[str, str]]) -> str:
    """Return the pairs as a query, sorted, each name and value encoded one way."""
    return "&".join(
        f"{_encode(name)}={_encode(value)}" for name, value in sorted(set(pairs), key=_order)
    )


def _order(pair: tuple[str, str]) -> tuple[str, str]:
    return _encode(pair[0]), _encode(pair[1])


def _encode(text: str) -> str:
    return quote(text, safe=QUERY_SAFE, errors="surrogateescape")


def platform_of(host: str) -> Platform:
    """Return the platform a host belongs to (other when unknown)."""
    return threads.platform_of(host)

"""Addresses the server sends requests to on someone's behalf: push services and webhooks.

A member or organiser chooses the address, the server makes the request: without these checks an
address could reach inside the network that runs the site (a database, a cloud's metadata
service). One rule for both: an http(s) URL without credentials, on a host that is allowed, that
resolves only to global addresses; the request goes to the address that was checked, so a second
DNS answer cannot swap it, and no redirect is followed."""

from __future__ import annotations

import fnmatch
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ValueError):
    """An address the server will not send to; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A URL taken apart: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str


def split_url(url: str, *, schemes: Iterable[str] = ("https",)) -> Target:
    """Take a URL apart, refusing other schemes, credentials, no host or a bad port."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise Refused("not_url") from None
    if parts.scheme not in set(schemes):
        raise Refused("scheme")
    if not host:
        raise Refused("no_host")
    if parts.username or parts.password:
        raise Refused("credentials")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def host_patterns(setting: str) -> list[str]:
    """Return the host patterns of a comma-separated setting (`*.` for any subdomain)."""
    return [host.strip().lower() for host in setting.split(",") if host.strip()]


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Tell whether a host name matches one of the patterns."""
    return any(fnmatch.fnmatchcase(host.lower().strip("[]"), pattern) for pattern in patterns)


def is_public(address: IPAddress) -> bool:
    """Tell whether an address is a global unicast one (what another IP family carries too)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast


def public_addresses(host: str, port: int) -> list[str]:
    """Resolve a host and return its addresses; refuse it if any is not a public one.

    Every answer must be public: with one private answer among public ones, which one a
    connection used would be up to whoever controls the name."""
    literal = host.strip("[]")
    try:
        answers = [ipaddress.ip_address(literal)]
    except ValueError:
        try:
            found = socket.getaddrinfo(literal, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise Refused("unresolvable") from None
        answers = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not answers:
        raise Refused("unresolvable")
    if not all(is_public(address) for address in answers):
        raise Refused("private_address")
    return list(dict.fromkeys(str(address) for address in answers))


def addresses_for(target: Target, allowed_hosts: Iterable[str]) -> list[str]:
    """Return the addresses to connect to: an allowed test host's own, else public ones only."""
    if host_matches(target.host, allowed_hosts):
        return [target.host.strip("[]")]
    if target.scheme != "https":
        raise Refused("scheme")
    return public_addresses(target.host, target.port)


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: its status code (no body is kept)."""

    status: int


class _PinnedHTTP(http.client.HTTPConnection):
    """Plain HTTP to one checked address (allowed test hosts only)."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to one checked address, with the certificate checked against the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    target: Target, address: str, body: bytes, headers: dict[str, str], *, timeout: float
) -> Answer:
    """POST a body to a checked address; a redirect is an answer like any other, not followed.

    Raises OSError (socket.timeout included) when the receiver cannot be reached in time."""
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(address, target.host, target.port, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)  # a little of the answer, so the connection closes cleanly
        return Answer(response.status)
    except http.client.HTTPException as error:
        raise OSError(f"bad answer: {type(error).__name__}") from None
    finally:
        connection.close()

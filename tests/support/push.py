"""The other ends of push, for real: a push service over https on localhost that answers as told,
a browser's push keys, and a plain HTTP receiver (a group chat's webhook).

Import the fixtures into a conftest (or test module) that needs them: `push_service`,
`chat_webhook`, `browser` (a factory of browsers' push keys)."""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from tests.harness import SHUTDOWN_POLL, free_port
from tests.world import change_settings


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One request the fake server took."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    """A local HTTP(S) server that records requests and answers with `status` (after the
    statuses in `answers`, one a request, are used up)."""

    origin: str
    status: int = 201
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def forget(self) -> None:
        """Forget what was received so far (e.g. the asks an alert's asks job pushed)."""
        with self.lock:
            self.received.clear()

    def answer(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.status


def serve(server: Server, port: int, context: ssl.SSLContext | None) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with server.lock:
                server.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            self.send_response(server.answer())
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, args=(SHUTDOWN_POLL,), daemon=True).start()
    return httpd


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (the test trusts it via REQUESTS_CA_BUNDLE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "push.pem", directory / "push.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def push_service(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A push service at https://localhost:<port>, the one host PUSH_SERVICE_HOSTS allows."""
    cert_path, key_path = certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    port = free_port()
    server = Server(origin=f"https://localhost:{port}")
    httpd = serve(server, port, context)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    change_settings(monkeypatch, app, push_service_hosts="localhost")
    yield server
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chat_webhook() -> Iterator[Server]:
    """A group chat's webhook: what Apprise's json:// posts to."""
    port = free_port()
    server = Server(origin=f"http://127.0.0.1:{port}", status=200)
    httpd = serve(server, port, None)
    yield server
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Browser:
    """A browser's push keys: a P-256 key pair and a 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self, endpoint: str, device: str = "Test phone") -> dict[str, Any]:
        return {
            "endpoint": endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
            "device": device,
        }

    def read(self, body: bytes) -> dict[str, Any]:
        """Decrypt a pushed message (aes128gcm) as the browser would."""
        import http_ece

        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)  # type: ignore[no-any-return]


@pytest.fixture
def browser() -> Callable[[], Browser]:
    return lambda: Browser(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


# No quiet hours (from and until the same minute): pushes reach the member at any time of day.
AWAKE = {"quiet_from": "00:00", "quiet_until": "00:00"}


def subscribe(
    api_as: Callable[..., Any], member: Any, keys: Browser, endpoint: str, *, awake: bool = True
) -> Any:
    """Subscribe `member` to push with a browser's keys, through the API; return the answer.

    `awake`: the member also switches their quiet hours off, so what a test pushes arrives
    whatever the time of day the test runs at (test members live in Amsterdam, quiet from 22:00
    to 08:00 by default). Tests of quiet hours set their own after subscribing."""
    answer = api_as(
        member, "POST", "/api/v1/me/push-subscriptions", json=keys.subscription(endpoint)
    )
    if awake and answer.status_code == 201:
        changed = api_as(member, "PATCH", "/api/v1/me/reach-settings", json=AWAKE)
        assert changed.status_code == 200, changed.get_json()
    return answer

"""The installable app's shell over HTTP: manifest, icons, service worker, offline page, share."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from network.pwa.icons import ICON_FOLDER, ICONS, png_bytes


def test_the_manifest_names_the_app_its_icons_start_page_and_share_target(
    client: FlaskClient,
) -> None:
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Upstander Network" and manifest["short_name"] == "Upstanders"
    assert manifest["start_url"] == "/feed/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).mimetype == "image/png"
    assert manifest["share_target"] == {
        "action": "/share",
        "method": "GET",
        "enctype": "application/x-www-form-urlencoded",
        "params": {"title": "title", "text": "text", "url": "url"},
    }


def test_the_committed_icons_are_what_the_drawing_script_draws() -> None:
    for name, size, maskable in ICONS:
        assert (ICON_FOLDER / name).read_bytes() == png_bytes(size, maskable=maskable), name


def test_every_page_links_the_manifest_and_no_page_carries_inline_script(
    client: FlaskClient, log_in: Any, create_member: Any
) -> None:
    for path in ("/", "/login", "/join", "/code-of-conduct", "/offline"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html or path == "/offline"
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), path
    log_in(create_member())
    for path in ("/feed/", "/profile", "/alerts/new"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html, path
        assert 'data-service-worker="/sw.js"' in html, path


def test_the_service_worker_is_served_from_the_root_and_lists_only_the_static_shell(
    client: FlaskClient,
) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    shell = re.search(r"const SHELL = (\[.*?\]);", source)
    assert shell is not None
    listed = re.findall(r'"([^"]+)"', shell.group(1))
    assert listed and all(path.startswith("/static/") for path in listed)
    assert 'const OFFLINE_PAGE = "/offline"' in source
    assert 'credentials: "omit"' in source


def test_the_offline_page_is_the_same_for_everyone(
    client: FlaskClient, log_in: Any, create_member: Any
) -> None:
    anonymous = client.get("/offline").get_data(as_text=True)
    log_in(create_member(display_name="Someone Private"))
    member = client.get("/offline").get_data(as_text=True)

    assert "You are offline" in anonymous
    assert member == anonymous
    assert "csrf_token" not in member and "Someone Private" not in member


def test_sharing_while_logged_out_asks_for_a_log_in_that_returns_to_the_share(
    client: FlaskClient, create_member: Any, submit: Any
) -> None:
    response = client.get("/share?text=Look+https://x.com/a/status/9+now&title=X")
    assert response.status_code == 302
    login = urlsplit(response.headers["Location"])
    assert login.path == "/login"
    back_to = parse_qs(login.query)["next"][0]
    assert back_to.startswith("/share?")

    member = create_member()
    logged_in = submit(
        f"/login?{login.query}", {"email": member.email, "password": member.password}
    )
    assert logged_in.headers["Location"] == back_to
    form = client.get(back_to)
    assert form.headers["Location"] == "/alerts/new?url=https://x.com/a/status/9"
    page = client.get(form.headers["Location"]).get_data(as_text=True)
    assert 'value="https://x.com/a/status/9"' in page
    assert "The link you shared is filled in." in page


def test_the_profile_offers_a_bookmarklet_that_only_opens_the_share_address(
    client: FlaskClient, create_member: Any, log_in: Any
) -> None:
    log_in(create_member())
    html = client.get("/profile").get_data(as_text=True)

    bookmarklet = re.search(r'href="(javascript:[^"]*)"', html)
    assert bookmarklet is not None
    assert bookmarklet.group(1) == (
        "javascript:location.href=&#34;http://localhost/share?url=&#34;"
        "+encodeURIComponent(location.href)"
    )

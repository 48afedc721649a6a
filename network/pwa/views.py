"""The web app's shell: manifest, service worker, offline page, and the share target."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from network.config import PROJECT_ROOT
from network.pwa.icons import ICONS
from network.pwa.sharing import first_web_url
from network.translation import gettext as _

pwa = Blueprint("pwa", __name__)
THEME_COLOUR = "#0b5cad"
BACKGROUND_COLOUR = "#ffffff"
# The static shell the service worker keeps: nothing here depends on who is asking.
SHELL_FILES = ("css/site.css", "js/site.js", "favicon.svg", *(f"icons/{i[0]}" for i in ICONS))
OFFLINE_TEMPLATE = "pwa/offline.html"


@pwa.get("/manifest.webmanifest")
def manifest() -> Response:
    """Describe the installable app: names, icons, colours, start page and share target."""
    icons = [
        {
            "src": url_for("static", filename=f"icons/{name}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable" if maskable else "any",
        }
        for name, size, maskable in ICONS
        if not name.startswith("apple-")
    ]
    document = {
        "id": "/",
        "name": "Upstander Network",
        "short_name": "Upstanders",
        "description": _("Alerts that need upstanders now: claim an action, do it, mark it done."),
        "lang": request.accept_languages.best_match(("en", "nl")) or "en",
        "start_url": url_for("coordination.feed"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["social"],
        "icons": icons,
        "share_target": {
            "action": url_for("pwa.share"),
            "method": "GET",
            "enctype": "application/x-www-form-urlencoded",
            "params": {"title": "title", "text": "text", "url": "url"},
        },
    }
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Vary"] = "Accept-Language"
    return response


@pwa.get("/sw.js")
def service_worker() -> Response:
    """Serve the service worker from the site's root, so its scope is the whole site."""
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    offline = url_for("pwa.offline")
    body = render_template(
        "pwa/sw.js", shell=shell, offline=offline, version=_shell_version(SHELL_FILES)
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    # The browser checks for a new worker on every visit; a changed shell changes this file.
    response.headers["Cache-Control"] = "no-cache"
    return response


@pwa.get("/offline")
def offline() -> str:
    """Say the network is gone; the service worker shows this page then (no personal data)."""
    return render_template(OFFLINE_TEMPLATE)


@pwa.get("/share")
@login_required
def share() -> Response:
    """Open the alert form with the first web link found in what was shared."""
    found = first_web_url(
        request.args.get("url"), request.args.get("text"), request.args.get("title")
    )
    if found is None:
        flash(
            _(
                "We found no web link in what you shared. Copy the link to the thread "
                "(it starts with https://) and paste it below."
            ),
            "error",
        )
        return redirect(url_for("alerts.new"))
    flash(
        _("The link you shared is filled in. Add what is happening and how serious it is."),
        "info",
    )
    return redirect(url_for("alerts.new", url=found))


def _shell_version(names: tuple[str, ...]) -> str:
    if current_app.debug:  # files change while a developer works
        return _digest(str(current_app.static_folder), names)
    return _cached_digest(str(current_app.static_folder), names)


@cache
def _cached_digest(folder: str, names: tuple[str, ...]) -> str:
    return _digest(folder, names)


def _digest(folder: str, names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update((Path(folder) / name).read_bytes())
    # The offline page is part of the shell too.
    digest.update((PROJECT_ROOT / "templates" / OFFLINE_TEMPLATE).read_bytes())
    return digest.hexdigest()[:16]

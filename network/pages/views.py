"""Public pages: home, code of conduct."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from werkzeug.wrappers import Response

from network.vocabulary import ActionType, action_info

pages = Blueprint("pages", __name__)


@pages.get("/")
def home() -> str:
    """Explain the movement and the seven upstander actions."""
    actions = [(action, action_info(action)) for action in ActionType]
    return render_template("pages/home.html", actions=actions)


@pages.get("/code-of-conduct")
def code_of_conduct() -> str:
    """Show the code of conduct every member accepts."""
    return render_template("pages/code_of_conduct.html")


@pages.get("/favicon.ico")
def favicon() -> Response:
    """Answer browsers that ask for /favicon.ico on their own with the site's SVG icon."""
    return send_from_directory(
        str(current_app.static_folder), "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )

"""The API reference page: Redoc renders the live OpenAPI document."""

from __future__ import annotations

import os

from flask import Blueprint, Response, current_app, render_template

from network.security import content_security_policy

reference = Blueprint("reference", __name__)
REDOC_BUNDLE = ("vendor", "redoc.standalone.js")


@reference.get("/api/docs")
def api_docs() -> Response:
    """Show the API reference, or say where the document is when Redoc is not installed."""
    bundle = os.path.exists(os.path.join(current_app.static_folder or "", *REDOC_BUNDLE))
    response = Response(render_template("api/docs.html", redoc=bundle))
    # Redoc writes its styles into <style> elements: this page alone lets inline styles apply.
    response.headers["Content-Security-Policy"] = content_security_policy(
        current_app, inline_styles=bundle
    )
    return response

"""Pages: what the network stores and why; download your data."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from network.accounts.models import Member
from network.privacy.queries import export_of
from network.settings import settings

privacy = Blueprint("privacy", __name__)

EXPORT_FILE = "upstander-export.json"


@privacy.get("/privacy")
def policy() -> str:
    """Explain what is stored, why, for how long, who sees it, and how to export or erase it."""
    return render_template(
        "privacy/policy.html",
        retention_days=settings().summary_retention_days,
        expiry_days=settings().alert_expiry_days,
    )


@privacy.post("/profile/export")
@login_required
def export() -> Response:
    """Download everything the network stores about you as one JSON file."""
    member: Member = current_user._get_current_object()
    document = export_of(member).model_dump(mode="json")
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILE}"'},
    )

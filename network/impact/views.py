"""The impact page for organisers (/impact), and its figures as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from network.accounts.models import Member
from network.accounts.sessions import organisers_only
from network.alerts.guide import category_label
from network.alerts.models import Category
from network.db import utcnow
from network.edge import int_arg
from network.impact import queries, snapshots
from network.impact.periods import PERIODS, read_filters
from network.impact.tables import tables, what_works
from network.vocabulary import Platform, platform_label

impact = Blueprint("impact", __name__, url_prefix="/impact")


def _me() -> Member:
    member: Member = current_user._get_current_object()
    return member


def _filters() -> tuple[queries.Filters, int | None]:
    return read_filters(
        days=int_arg("days", low=1, high=366),
        start=request.args.get("start"),
        end=request.args.get("end"),
        team=int_arg("team"),
        campaign=int_arg("campaign"),
        platform=request.args.get("platform"),
        category=request.args.get("category"),
        zone=ZoneInfo(_me().time_zone),
        now=utcnow(),
    )


@impact.get("/")
@organisers_only
def index() -> str:
    """What the network achieved in a period, with charts and tables, and what works."""
    filters, days = _filters()
    figures = snapshots.figures_for(filters)
    teams, campaigns = queries.filter_choices()
    zone = ZoneInfo(_me().time_zone)
    return render_template(
        "impact/index.html",
        figures=figures,
        tables=tables(figures),
        what_works=what_works(figures),
        days=days,
        periods=PERIODS,
        first_day=filters.start.astimezone(zone).date(),
        last_day=(filters.end.astimezone(zone) - timedelta(days=1)).date(),
        as_of=(figures.as_of or utcnow()).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        teams=teams,
        campaigns=campaigns,
        platforms=list(Platform),
        categories=list(Category),
        platform_label=platform_label,
        category_label=category_label,
        query=request.args.to_dict(),
    )


@impact.get("/figures.csv")
@organisers_only
def figures_csv() -> Response:
    """The page's tables as one CSV: table, then its rows as on the page."""
    filters, _days = _filters()
    figures = snapshots.figures_for(filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "column", "value"])
    for table in [*tables(figures), *what_works(figures)]:
        for row in table.rows:
            for header, cell in zip(table.headers[1:], row[1:], strict=False):
                writer.writerow([table.title, _safe(row[0]), header, cell])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=impact.csv"
    return response


def _safe(cell: str) -> str:
    # A spreadsheet runs cells that start like a formula: campaign titles are organisers' text.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell

"""Helpers shared by the page forms: service errors shown on the form's fields."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from network.errors import ServiceError


def show_service_error(form: FlaskForm, error: ServiceError) -> None:
    """Put a refused use case's problems next to the fields they concern."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors), message]
            placed = True
    if not placed:
        flash(error.message, "error")

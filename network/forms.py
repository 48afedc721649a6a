"""Helpers shared by the page forms: one base class, and service errors shown on the fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from network.db import storable_moment
from network.errors import ServiceError, ValidationFailed
from network.text import moment_problem, text_problem
from network.translation import gettext as _


class Form(FlaskForm):
    """Every page form: no field takes text the network refuses (one line unless a text area).

    The same rule as the API's schemas (network.text), so a field added later is covered too."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, datetime) and not storable_moment(field.data):
                field.errors = [*list(field.errors), moment_problem()]
                valid = False
            multiline = isinstance(field, TextAreaField)
            for text in field.raw_data or ():
                problem = text_problem(text, multiline=multiline) if isinstance(text, str) else None
                if problem:
                    field.errors = [*list(field.errors), problem]
                    valid = False
                    break
        return valid


def form_text(name: str, *, multiline: bool = False) -> str | None:
    """Read a posted field that no form class checks, under the same rule (refused: 422)."""
    value = request.form.get(name)
    problem = text_problem(value, multiline=multiline) if value is not None else None
    if problem:
        raise ValidationFailed(_("Some fields are not valid."), fields={name: problem})
    return value


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

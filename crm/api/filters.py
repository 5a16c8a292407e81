"""The web lists' filter forms, read for the API: a value the form refuses is a 422."""

from __future__ import annotations

from flask_wtf import FlaskForm

from crm.api.problems import ApiProblem


def filter_problem(form: FlaskForm) -> None:
    """422 naming each filter the list's form refused (the web list would ignore it)."""
    errors = [
        {"field": field.short_name, "message": str(message)}
        for field in form
        for message in field.errors
    ]
    if errors:
        raise ApiProblem(422, "A filter was refused.", errors=errors)

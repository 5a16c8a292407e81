"""Form helpers shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from crm.common.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the field it concerns, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms makes `errors` a tuple until validate() has run on the field.
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class VersionedForm(FlaskForm):
    """An edit form that carries the version of the record it was loaded with."""

    version = HiddenField()

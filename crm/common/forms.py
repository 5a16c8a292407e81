"""Form helpers shared by every feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField

from crm.common.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the field it concerns, or on the form as a whole."""
    # A lazy string claims to be safe HTML (it has __html__), so a message with user text in
    # it would reach the page unescaped; as a plain str it is escaped like any other value.
    # Markup built on purpose (a link to the duplicate, its parts escaped) is kept.
    message = error.message if isinstance(error.message, Markup) else str(error.message)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        # WTForms makes `errors` a tuple until validate() has run on the field.
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


class VersionedForm(FlaskForm):
    """An edit form that carries the version of the record it was loaded with."""

    version = HiddenField()

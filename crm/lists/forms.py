"""Forms for saved filters and bulk actions (all posted with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from crm.common.forms import (
    DateField,
    FastCheckboxInput,
    FastHiddenInput,
    FastSelect,
    FastTextInput,
    IdListField,
    optional_id,
)


class SaveFilterForm(FlaskForm):
    """Save the list's current filter under a name.

    On every filtered list page: the fast widgets write the same HTML (crm.common.forms).
    """

    name = StringField(
        _l("Name of the filter"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("E.g. My organisations at Kjeller"),
        widget=FastTextInput(),
    )
    shared = BooleanField(_l("Share with the department"), widget=FastCheckboxInput())
    query = HiddenField(widget=FastHiddenInput())
    submit = SubmitField(_l("Save filter"))


class FilterButtonForm(FlaskForm):
    """A button on a saved filter (share, stop sharing, delete): CSRF only."""


class BulkStartForm(FlaskForm):
    """The bar under a list: which action for the chosen rows."""

    ids = IdListField(_l("Chosen rows"))
    # On every list page for editors: FastSelect writes the same HTML in a tenth of the time.
    action = SelectField(_l("With the chosen rows"), choices=[], widget=FastSelect())
    submit = SubmitField(_l("Continue"))


class BulkForm(FlaskForm):
    """The confirmation page: the rows, the action, what it asks for, and the answer."""

    ids = IdListField(_l("Chosen rows"))
    action = SelectField(_l("Action"), choices=[])
    cluster = SelectField(_l("Cluster"), coerce=optional_id, choices=[])
    place = SelectField(_l("Place"), coerce=optional_id, choices=[])
    sector = SelectField(_l("Sector"), coerce=optional_id, choices=[])
    user = SelectField(_l("Adviser"), coerce=optional_id, choices=[])
    due_date = DateField(_l("New due date"))
    format = SelectField(
        _l("File format"),
        choices=[SelectChoice("xlsx", "Excel (XLSX)"), SelectChoice("csv", "CSV")],
        default="xlsx",
    )
    confirmed = HiddenField()
    review = SubmitField(_l("Continue"))
    submit = SubmitField(_l("Yes, do it"))

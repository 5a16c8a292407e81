"""Forms about people: their shape only; uniqueness and cross-record rules are service rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.forms import DateField, IdField, IdListField, VersionedForm
from crm.contacts.services import normalise_email, normalise_phone

# The type-ahead (static/js/combobox.js) fills the hidden company_id with the chosen id.
COMPANY_TYPEAHEAD = {
    "data-typeahead": "companies",
    "data-target": "company_id",
    "autocomplete": "off",
}


def _check_with(normalise):
    """A field validator that runs the service's normaliser, so every field's error shows."""

    def check(form, field) -> None:
        try:
            normalise(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from error

    return check


class ContactFields:
    """The person's own fields, shared by the create and the edit form."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(
        _l("Email"),
        validators=[Optional(), Length(max=254), _check_with(normalise_email)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    phone = StringField(
        _l("Phone"),
        description=_l("Norwegian numbers need no country code; others start with + and it."),
        validators=[Optional(), Length(max=40), _check_with(normalise_phone)],
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    notes = TextAreaField(
        _l("Notes"),
        description=_l(
            "Only what the department needs for its work: this is personal data (GDPR)."
        ),
        validators=[Length(max=20000)],
        render_kw={"rows": 5},
    )


class ContactForm(ContactFields, FlaskForm):
    """A new person."""

    submit = SubmitField(_l("Save"))


class ContactEditForm(ContactFields, VersionedForm):
    """Correcting a person's details."""

    submit = SubmitField(_l("Save"))


class AffiliationForm(FlaskForm):
    """A person's role at an organisation."""

    company = StringField(
        _l("Organisation"),
        description=_l("Type a name to get suggestions, or a 9-digit organisation number."),
        render_kw=COMPANY_TYPEAHEAD,
    )
    company_id = IdField()
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(
        _l("End date"), description=_l("Leave empty while it lasts."), validators=[Optional()]
    )
    primary = BooleanField(_l("Primary organisation (the person's main workplace now)"))
    submit = SubmitField(_l("Add affiliation"))

    def validate_end_date(self, field) -> None:
        """An end before the start is a typing error; say so beside the end date."""
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


class EndAffiliationForm(FlaskForm):
    """End an affiliation on a date (today by default)."""

    end_date = DateField(_l("Ended on"), validators=[DataRequired()], default=local_today)
    submit = SubmitField(_l("End affiliation"))


class RemoveAffiliationForm(FlaskForm):
    """Remove an affiliation entered by mistake."""

    submit = SubmitField(_l("Remove"))


class EraseContactForm(VersionedForm):
    """Erase a person for good (the right to erasure), after a confirmation."""

    confirm = BooleanField(
        _l("Yes, erase this person and their affiliations for good"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Erase the person"))


class RestrictContactForm(VersionedForm):
    """Restrict the processing of a person's data (GDPR art. 18), saying why."""

    reason = TextAreaField(
        _l("Why is the data restricted?"),
        validators=[DataRequired(_l("Say why the data is restricted.")), Length(max=500)],
        description=_l(
            "For example: the person disputes that the data is correct, or objects to the "
            "processing, while the department looks into it."
        ),
    )
    submit = SubmitField(_l("Restrict"))


class LiftRestrictionForm(VersionedForm):
    """Lift a restriction: the person is back in lists, search, exports and the network."""

    submit = SubmitField(_l("Lift the restriction"))


class RetentionForm(FlaskForm):
    """Erase the chosen people due for review, or keep them for one more period with a reason."""

    contact_ids = IdListField(_l("People"))
    reason = TextAreaField(
        _l("Why are they kept?"),
        validators=[Optional(), Length(max=500)],
        description=_l("Needed to keep them: for example an ongoing establishment case."),
    )
    keep = SubmitField(_l("Keep the chosen people"))
    confirm = BooleanField(_l("Yes, erase the chosen people and their affiliations for good"))
    erase = SubmitField(_l("Erase the chosen people"))

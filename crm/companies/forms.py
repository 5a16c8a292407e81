"""Forms for organisations, places and sectors: they check shape; services check the rules."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from crm.common.converters import MAX_ID
from crm.common.forms import VersionedForm, optional_choice, optional_id
from crm.companies.labels import COMPANY_KIND, INDUSTRY_STANDARD, REGISTER_STATUS
from crm.companies.models import Place, Sector

# The relationship manager filter's value for the signed-in user's own organisations.

FOUR_DIGITS = Regexp(r"^[0-9]{4}$", message=_l("Four digits, e.g. 2000."))


def _choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CompanyForm(FlaskForm):
    """A new organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    org_number = StringField(
        _l("Organisation number"),
        validators=[Optional(), Length(max=30)],
        description=_l("9 digits, spaces are fine. Leave empty if it has none."),
    )
    kind = SelectField(_l("Kind"), choices=COMPANY_KIND.choices(), default="company")
    org_form = StringField(
        _l("Organisation form"),
        validators=[Optional(), Length(max=10)],
        description=_l("As in the register, e.g. AS, ASA, ENK, STAT."),
    )
    industry_code = StringField(
        _l("Industry code"),
        validators=[Optional(), Length(max=10)],
        description=_l("E.g. 72.190"),
    )
    industry_standard = SelectField(
        _l("Industry standard"),
        choices=INDUSTRY_STANDARD.choices(empty=_l("Not given")),
        coerce=optional_choice,
    )
    industry_description = StringField(
        _l("Industry description"), validators=[Optional(), Length(max=300)]
    )
    employees = IntegerField(
        _l("Employees"),
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("The number of employees cannot be negative.")),
        ],
        description=_l("Leave empty if not reported."),
    )
    address = StringField(_l("Business address"), validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), FOUR_DIGITS])
    post_town = StringField(_l("Post town"), validators=[Optional(), Length(max=100)])
    municipality_number = StringField(
        _l("Municipality number"),
        validators=[Optional(), FOUR_DIGITS],
        description=_l("Lillestrøm is 3205."),
    )
    place_id = SelectField(_l("Place"), coerce=optional_id, default=None)
    responsible_id = SelectField(
        _l("Relationship manager"),
        coerce=optional_id,
        default=None,
        description=_l("The adviser who keeps in touch with the organisation."),
    )
    sector_ids = SelectMultipleField(
        _l("Sectors"),
        coerce=optional_id,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300)],
        description=_l("E.g. www.example.no; https:// is added when missing."),
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 4}
    )
    register_status = SelectField(
        _l("Register status"), choices=REGISTER_STATUS.choices(), default="active"
    )
    parent_id = IntegerField(
        _l("Parent organisation (its number in Koblingsboks)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID, message=_l("A number from 1 up."))],
        description=_l(
            "The number at the end of the parent's page address: 42 in /companies/42. "
            "Leave empty if it has none."
        ),
    )
    submit = SubmitField(_l("Create organisation"))

    def set_choices(
        self,
        places: Iterable[Place],
        sectors: Iterable[Sector],
        users: Iterable[tuple[int, str]] = (),
    ) -> None:
        """Fill the place and relationship manager selects and the sector checkboxes."""
        self.responsible_id.choices = [SelectChoice("", _l("Nobody")), *_choices(users)]
        self.place_id.choices = [
            SelectChoice("", _l("No place")),
            *_choices((p.id, p.name) for p in places),
        ]
        self.sector_ids.choices = _choices((s.id, s.name) for s in sectors)

    def values(self) -> dict:
        """The typed values as create_company and update_company take them."""
        return {
            name: getattr(self, name).data
            for name in (
                "name",
                "org_number",
                "kind",
                "org_form",
                "industry_code",
                "industry_standard",
                "industry_description",
                "employees",
                "address",
                "postcode",
                "post_town",
                "municipality_number",
                "place_id",
                "sector_ids",
                "website",
                "description",
                "register_status",
                "parent_id",
                "responsible_id",
            )
        }


class CompanyEditForm(VersionedForm, CompanyForm):
    """An existing organisation, with the version it was loaded with."""

    submit = SubmitField(_l("Save"))


class PlaceForm(FlaskForm):
    """A new place."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    growth_area = BooleanField(_l("Prioritised growth area"))
    position = IntegerField(
        _l("Position in lists"),
        validators=[Optional(), NumberRange(min=0, max=10000)],
        default=0,
        description=_l("Lower numbers come first."),
    )
    submit = SubmitField(_l("Create place"))


class PlaceEditForm(VersionedForm, PlaceForm):
    """An existing place."""

    submit = SubmitField(_l("Save"))


class SectorForm(FlaskForm):
    """A new sector."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    prioritised = BooleanField(_l("Prioritised in the strategy"))
    position = IntegerField(
        _l("Position in lists"),
        validators=[Optional(), NumberRange(min=0, max=10000)],
        default=0,
        description=_l("Lower numbers come first."),
    )
    submit = SubmitField(_l("Create sector"))


class SectorEditForm(VersionedForm, SectorForm):
    """An existing sector."""

    submit = SubmitField(_l("Save"))

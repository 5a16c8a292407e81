"""Forms for organisations, places and sectors: they check shape; services check the rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
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

from crm.common.converters import MAX_ID, parse_id
from crm.common.filters import valid_filter_values
from crm.common.forms import VersionedForm, optional_choice, optional_id
from crm.companies import queries
from crm.companies.labels import COMPANY_KIND, INDUSTRY_STANDARD, REGISTER_STATUS
from crm.companies.models import Place, Sector
from crm.companies.queries import CompanyFilters
from crm.meetings import queries as meeting_queries

# The relationship manager filter's value for the signed-in user's own organisations.
MINE = "mine"

FOUR_DIGITS = Regexp(r"^[0-9]{4}$", message=_l("Four digits, e.g. 2000."))


def _choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CompanyFilterForm(FlaskForm):
    """The search and filters above the list, sent with GET."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or organisation number"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind"), coerce=optional_choice, choices=[])
    place = SelectField(_l("Place"), coerce=optional_id, choices=[])
    sector = SelectField(_l("Sector"), coerce=optional_id, choices=[])
    cluster = SelectField(_l("Cluster"), coerce=optional_id, choices=[])
    status = SelectField(_l("Register status"), coerce=optional_choice, choices=[])
    responsible = SelectField(_l("Relationship manager"), coerce=optional_choice, choices=[])
    submit = SubmitField(_l("Search"))


def company_filter_form(
    session: Session, args: Mapping[str, str], *, user_id: int | None = None
) -> tuple[CompanyFilterForm, CompanyFilters]:
    """The list's filter form with its choices, and the filters it asks for (list and export).

    A value that is not among the choices filters nothing and is marked on the form. The
    relationship manager "mine" is the user's own organisations, so a shared saved filter
    "My organisations at Kjeller" shows each user theirs.
    """
    form = CompanyFilterForm(formdata=MultiDict(args))
    every = SelectChoice("", _l("All"))
    places = ((str(p.id), p.name) for p in queries.list_places(session))
    sectors = ((str(s.id), s.name) for s in queries.list_sectors(session))
    clusters = ((str(cid), name) for cid, name in queries.cluster_choices(session))
    form.kind.choices = COMPANY_KIND.choices(empty=every.label)
    form.place.choices = [every, *_choices(places)]
    form.sector.choices = [every, *_choices(sectors)]
    form.cluster.choices = [every, *_choices(clusters)]
    form.status.choices = REGISTER_STATUS.choices(empty=every.label)
    everyone = meeting_queries.user_choices(session, active_only=False)
    users = ((str(uid), name) for uid, name in everyone)
    form.responsible.choices = [
        every,
        *([SelectChoice(MINE, _l("My organisations"))] if user_id is not None else []),
        *_choices(users),
    ]
    values = valid_filter_values(form)
    filters = CompanyFilters(
        q=(values["q"] or "").strip() or None,
        kind=values["kind"] or None,
        place_id=values["place"],
        sector_id=values["sector"],
        cluster_id=values["cluster"],
        status=values["status"] or None,
        responsible_id=user_id
        if values["responsible"] == MINE
        else parse_id(values["responsible"]),
    )
    return form, filters


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

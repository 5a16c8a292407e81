"""The companies list's filters: the form above the list, read from the query string.

The list page, its export and saved filters (crm.lists) read the same form, so a file
holds exactly what the page shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional

from crm.common.converters import parse_id
from crm.common.filters import valid_filter_values
from crm.common.forms import (
    BlockChoices,
    BlockSelectField,
    DateField,
    FastSelect,
    FastTextInput,
    optional_choice,
    optional_id,
)
from crm.companies import queries
from crm.companies.labels import COMPANY_KIND, REGISTER_STATUS
from crm.companies.queries import CompanyFilters

# The relationship manager filter's value for "the signed-in user's own organisations".
MINE = "mine"


class CompanyFilterForm(FlaskForm):
    """The search and filters above the list, sent with GET."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name or organisation number"),
        validators=[Optional(), Length(max=300)],
        widget=FastTextInput(),
    )
    kind = SelectField(_l("Kind"), coerce=optional_choice, choices=[], widget=FastSelect())
    place = BlockSelectField(_l("Place"), coerce=optional_id, choices=[], widget=FastSelect())
    sector = BlockSelectField(_l("Sector"), coerce=optional_id, choices=[], widget=FastSelect())
    cluster = BlockSelectField(_l("Cluster"), coerce=optional_id, choices=[], widget=FastSelect())
    status = SelectField(
        _l("Register status"), coerce=optional_choice, choices=[], widget=FastSelect()
    )
    responsible = BlockSelectField(
        _l("Relationship manager"), coerce=optional_choice, choices=[], widget=FastSelect()
    )
    met_from = DateField(_l("Met from"), validators=[Optional()])
    met_to = DateField(_l("Met until"), validators=[Optional()])
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
    every = SelectChoice("", str(_l("All")))  # translated once, shown in six selects
    options = queries.filter_options(session)
    form.kind.choices = COMPANY_KIND.choices_now(empty=every.label)
    form.place.choices = BlockChoices([every], options.places)
    form.sector.choices = BlockChoices([every], options.sectors)
    form.cluster.choices = BlockChoices([every], options.clusters)
    form.status.choices = REGISTER_STATUS.choices_now(empty=every.label)
    form.responsible.choices = BlockChoices(
        [every, *([SelectChoice(MINE, _l("My organisations"))] if user_id is not None else [])],
        options.users,
    )
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
        met_from=values["met_from"],
        met_to=values["met_to"],
    )
    return form, filters

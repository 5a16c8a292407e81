"""The establishments list's filters: the form above the list, read from the query string.

The list page, its export and saved filters (crm.lists) read the same form, so a file
holds exactly what the page shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
)
from wtforms.validators import Optional

from crm.common.filters import valid_filter_values
from crm.common.forms import BlockChoices, DateField, FastSelect, optional_choice, optional_id
from crm.establishments import queries
from crm.establishments.labels import CASE_KIND
from crm.establishments.queries import CaseFilters


class CaseFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    stage_id = SelectField(
        _l("Stage"), coerce=optional_id, validate_choice=False, choices=[], widget=FastSelect()
    )
    adviser_id = SelectField(
        _l("Adviser"), coerce=optional_id, validate_choice=False, choices=[], widget=FastSelect()
    )
    place_id = SelectField(
        _l("Place"), coerce=optional_id, validate_choice=False, choices=[], widget=FastSelect()
    )
    kind = SelectField(
        _l("Kind of case"),
        choices=CASE_KIND.choices(empty=_l("All kinds")),
        coerce=optional_choice,
    )
    overdue = BooleanField(_l("Only overdue follow-ups"))
    opened_from = DateField(_l("Opened from"), validators=[Optional()])
    opened_to = DateField(_l("Opened until"), validators=[Optional()])
    established_from = DateField(_l("Established from"), validators=[Optional()])
    established_to = DateField(_l("Established until"), validators=[Optional()])


def case_filter_form(
    session: Session, args: Mapping[str, str], *, today: date
) -> tuple[CaseFilterForm, CaseFilters]:
    """The case list's filter form with its choices, and the filters it asks for.

    Invalid values are left out (and marked on the form). The list page and its CSV/XLSX
    export both use this, so the file holds what the page shows.
    """
    form = CaseFilterForm(formdata=MultiDict(args))
    # Stages, places and users made once per version of the reference data (one statement).
    options = queries.filter_options(session)
    form.stage_id.choices = BlockChoices([SelectChoice("", _l("All stages"))], options.stages)
    form.adviser_id.choices = BlockChoices([SelectChoice("", _l("Everyone"))], options.users)
    form.place_id.choices = BlockChoices([SelectChoice("", _l("All places"))], options.places)
    form.kind.choices = CASE_KIND.choices_now(empty=_l("All kinds"))
    values = valid_filter_values(form)
    filters = CaseFilters(
        stage_id=values["stage_id"],
        adviser_id=values["adviser_id"],
        place_id=values["place_id"],
        kind=values["kind"] or None,
        overdue=bool(values["overdue"]),
        today=today,
        opened_from=values["opened_from"],
        opened_to=values["opened_to"],
        established_from=values["established_from"],
        established_to=values["established_to"],
    )
    return form, filters

"""The meetings list's filters: the form above the list, read from the query string.

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
)
from wtforms.validators import Length, Optional

from crm.common.filters import valid_filter_values
from crm.common.forms import (
    BlockChoices,
    DateField,
    FastSelect,
    FastTextInput,
    IdListField,
    optional_id,
)
from crm.meetings import queries
from crm.meetings.labels import MEETING_KIND


class MeetingFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search title and notes"),
        validators=[Optional(), Length(max=200)],
        widget=FastTextInput(),
    )
    kind = SelectField(_l("Kind"), choices=MEETING_KIND.choices(empty=_l("All kinds")), default="")
    company_id = IdListField(_l("Organisation"))
    user_id = SelectField(
        _l("Staff member"),
        coerce=optional_id,
        validate_choice=False,
        choices=[],
        widget=FastSelect(),
    )
    strategy_id = SelectField(
        _l("Strategy"),
        coerce=optional_id,
        validate_choice=False,
        choices=[],
        widget=FastSelect(),
    )
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])


def meeting_filter_form(
    session: Session, args: Mapping[str, str]
) -> tuple[MeetingFilterForm, queries.MeetingFilters]:
    """The meetings list's filter form with its choices, and the filters it asks for.

    Invalid values are left out (and marked on the form). The list page and its CSV/XLSX
    export both use this, so the file holds what the page shows.
    """
    form = MeetingFilterForm(formdata=MultiDict(args))
    # Made once per version of the reference data (one statement while it is unchanged).
    options = queries.filter_options(session)
    form.user_id.choices = BlockChoices([SelectChoice("", _l("Everyone"))], options.users)
    form.strategy_id.choices = BlockChoices(
        [SelectChoice("", _l("All strategies"))], options.strategies
    )
    form.kind.choices = MEETING_KIND.choices_now(empty=_l("All kinds"))
    values = valid_filter_values(form)
    filters = queries.MeetingFilters(
        q=(values["q"] or "").strip() or None,
        kind=values["kind"] or None,
        company_id=(values["company_id"] or [None])[0],
        user_id=values["user_id"],
        strategy_id=values["strategy_id"],
        date_from=values["date_from"],
        date_to=values["date_to"],
    )
    return form, filters

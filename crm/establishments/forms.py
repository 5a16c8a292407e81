"""Forms for establishment cases, stages and early-warning flags (shape only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.common.filters import valid_filter_values
from crm.common.forms import (
    DateField,
    IdField,
    IdListField,
    VersionedForm,
    optional_choice,
    optional_id,
    select_choices,
)
from crm.establishments import queries
from crm.establishments.labels import (
    CASE_KIND,
    FLAG_KIND,
    FLAG_SEVERITY,
    LOST_REASON,
    PREMISES_TYPE,
)
from crm.establishments.models import FlagSeverity
from crm.establishments.queries import CaseFilters


class _CaseFields:
    kind = SelectField(_l("Kind of case"), choices=CASE_KIND.choices())
    opened_on = DateField(_l("Opened"), validators=[DataRequired()])
    source = StringField(
        _l("Source"),
        validators=[Optional(), Length(max=200)],
        description=_l("How the case came in, e.g. Invest in Oslo Region, a phone call, a fair."),
    )
    premises_type = SelectField(
        _l("Type of premises"),
        choices=PREMISES_TYPE.choices(empty=_l("Not known yet")),
        coerce=optional_choice,
    )
    # Negative numbers are refused by the service, with its message beside the field.
    area_m2 = IntegerField(_l("Area needed (m²)"), validators=[Optional()])
    expected_jobs = IntegerField(_l("Expected jobs"), validators=[Optional()])
    expected_investment_nok = IntegerField(_l("Expected investment (NOK)"), validators=[Optional()])
    expected_decision_on = DateField(_l("Expected decision date"), validators=[Optional()])
    adviser_id = SelectField(
        _l("Responsible adviser"), coerce=optional_id, validate_choice=False, choices=[]
    )
    next_follow_up_on = DateField(_l("Next follow-up"), validators=[Optional()])
    place_ids = IdListField(_l("Wished places"))
    strategy_ids = IdListField(_l("Strategies the case serves"))
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 5}
    )


class CaseForm(_CaseFields, FlaskForm):
    """A new case, for an existing organisation or a prospect named on the spot."""

    company_id = IdField()
    company_search = StringField(
        _l("Existing organisation"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "Type at least two letters of the name, then pick. Without JavaScript: type the "
            "9-digit organisation number."
        ),
    )
    prospect_name = StringField(
        _l("Or a new prospect's name"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "For a company not registered yet; it is created without an organisation number."
        ),
    )
    stage_id = SelectField(_l("Stage"), coerce=optional_id, validate_choice=False, choices=[])
    submit = SubmitField(_l("Open case"))


class _OutcomeFields:
    established_place_id = SelectField(
        _l("Established in (place)"), coerce=optional_id, validate_choice=False, choices=[]
    )
    established_on = DateField(_l("Established on"), validators=[Optional()])
    actual_jobs = IntegerField(_l("Actual jobs"), validators=[Optional()])
    lost_reason = SelectField(
        _l("Reason it was lost"),
        choices=LOST_REASON.choices(empty=_l("Not lost")),
        coerce=optional_choice,
    )
    lost_to_municipality = StringField(
        _l("The municipality it chose"),
        validators=[Optional(), Length(max=100)],
        description=_l("Only when it chose another municipality."),
    )


class CaseEditForm(_CaseFields, _OutcomeFields, VersionedForm):
    """Change a case; the stage changes on the board or the stage form."""

    submit = SubmitField(_l("Save"))


class MoveForm(_OutcomeFields, FlaskForm):
    """Move a case to another stage, with what established or lost needs."""

    stage_id = SelectField(
        _l("Move to stage"), coerce=optional_id, validate_choice=False, choices=[]
    )
    next = HiddenField()
    submit = SubmitField(_l("Move"))


class LinkMeetingForm(FlaskForm):
    """Link an existing meeting with the case's organisation."""

    meeting_id = SelectField(
        _l("Meeting with the organisation"), coerce=optional_id, validate_choice=False, choices=[]
    )
    submit = SubmitField(_l("Link meeting"))


class CaseTaskForm(FlaskForm):
    """A follow-up task on the case."""

    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=300)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    assignee_id = SelectField(
        _l("Assigned to"), coerce=optional_id, validate_choice=False, choices=[]
    )
    submit = SubmitField(_l("Add task"))


class CaseFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    stage_id = SelectField(_l("Stage"), coerce=optional_id, validate_choice=False, choices=[])
    adviser_id = SelectField(_l("Adviser"), coerce=optional_id, validate_choice=False, choices=[])
    place_id = SelectField(_l("Place"), coerce=optional_id, validate_choice=False, choices=[])
    kind = SelectField(
        _l("Kind of case"),
        choices=CASE_KIND.choices(empty=_l("All kinds")),
        coerce=optional_choice,
    )
    overdue = BooleanField(_l("Only overdue follow-ups"))


class StageForm(VersionedForm):
    """Rename a stage."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Rename"))


class StageMoveForm(FlaskForm):
    """Move a stage earlier or later on the board."""

    direction = HiddenField(validators=[DataRequired()])


class FlagForm(FlaskForm):
    """Raise an early warning on an organisation."""

    company_id = IdField()
    severity = SelectField(
        _l("Severity"),
        choices=FLAG_SEVERITY.choices(),
        default=FlagSeverity.YELLOW.value,
        description=_l("Red needs action now; yellow is worth watching."),
    )
    kind = SelectField(_l("What it is about"), choices=FLAG_KIND.choices())
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 4}
    )
    meeting_id = SelectField(
        _l("Raised in the meeting"), coerce=optional_id, validate_choice=False, choices=[]
    )
    submit = SubmitField(_l("Raise warning"))


class ResolveFlagForm(VersionedForm):
    """Resolve an early warning."""

    resolved_on = DateField(_l("Resolved on"), validators=[DataRequired()])
    resolution = TextAreaField(
        _l("How it was resolved"),
        validators=[DataRequired(), Length(max=20_000)],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Resolve"))


def case_filter_form(
    session: Session, args: Mapping[str, str], *, today: date
) -> tuple[CaseFilterForm, CaseFilters]:
    """The case list's filter form with its choices, and the filters it asks for.

    Invalid values are left out (and marked on the form). The list page and its CSV/XLSX
    export both use this, so the file holds what the page shows.
    """
    form = CaseFilterForm(formdata=MultiDict(args))
    form.stage_id.choices = [
        SelectChoice("", _l("All stages")),
        *select_choices((s.id, s.name) for s in queries.list_stages(session)),
    ]
    form.adviser_id.choices = [
        SelectChoice("", _l("Everyone")),
        *select_choices(queries.all_user_choices(session)),
    ]
    form.place_id.choices = [
        SelectChoice("", _l("All places")),
        *select_choices((p.id, p.name) for p in queries.place_choices(session)),
    ]
    values = valid_filter_values(form)
    filters = CaseFilters(
        stage_id=values["stage_id"],
        adviser_id=values["adviser_id"],
        place_id=values["place_id"],
        kind=values["kind"] or None,
        overdue=bool(values["overdue"]),
        today=today,
    )
    return form, filters

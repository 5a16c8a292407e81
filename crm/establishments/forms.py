"""Forms for establishment cases, stages and early-warning flags (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.common.forms import (
    DateField,
    IdField,
    IdListField,
    VersionedForm,
    optional_choice,
    optional_id,
)
from crm.establishments.labels import (
    CASE_KIND,
    FLAG_KIND,
    FLAG_SEVERITY,
    LOST_REASON,
    PREMISES_TYPE,
)
from crm.establishments.models import FlagSeverity


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
    measure_ids = IdListField(_l("Measures in the action plan the case serves"))
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
            "For an organisation not registered yet; it is created without an organisation number."
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
    # Set by the confirmation step: move on although questions of the stage are unanswered.
    confirmed = BooleanField(_l("Move anyway"))
    submit = SubmitField(_l("Move"))


class ChecklistForm(FlaskForm):
    """Which questions of the case's stage are answered (ticked boxes), from a case or meeting."""

    answered_ids = IdListField(_l("Answered questions"))
    meeting_id = IdField()
    next = HiddenField()
    submit = SubmitField(_l("Save answers"))


class ChecklistItemForm(VersionedForm):
    """A question of a stage's checklist (admins)."""

    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class NewChecklistItemForm(FlaskForm):
    """A new question at the end of a stage's checklist (admins)."""

    text = StringField(_l("New question"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Add question"))


class DeleteChecklistItemForm(FlaskForm):
    """Remove a question (the button's CSRF token)."""

    submit = SubmitField(_l("Remove"))


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

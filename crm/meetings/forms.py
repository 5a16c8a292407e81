"""Forms for meetings: log or change one, and filter the list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.common.forms import DateField, IdField, IdListField, VersionedForm, optional_id
from crm.meetings.labels import MEETING_KIND
from crm.meetings.models import MeetingKind
from crm.meetings.services import MAX_DURATION_MINUTES, MAX_NOTES_LENGTH


class MeetingForm(VersionedForm):
    """A meeting; date and time are wall-clock time in Oslo."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    time = TimeField(
        _l("Time"),
        validators=[Optional()],
        format=["%H:%M", "%H.%M", "%H:%M:%S", "%H%M"],
        description=_l("Optional. Local time, for example 09:30."),
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MINUTES)],
    )
    kind = SelectField(
        _l("Kind"), choices=MEETING_KIND.choices(), default=MeetingKind.MEETING.value
    )
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=300)],
        description=_l("Optional: left empty, the kind and the organisations make the title."),
    )
    location = StringField(_l("Location"), validators=[Optional(), Length(max=300)])
    company_ids = IdListField(
        _l("Organisations"),
        description=_l(
            "Type at least two letters of the name or organisation number, then pick. "
            "Without suggestions: organisation numbers or exact names, separated by commas."
        ),
    )
    # The type-ahead's text box: what is typed and not picked is looked up when saving.
    company_ids_text = StringField(validators=[Optional(), Length(max=2000)])
    contact_ids = IdListField(
        _l("People from outside"),
        description=_l(
            "Type at least two letters of the name, then pick; their organisation comes along. "
            "Without suggestions: exact names or email addresses, separated by commas."
        ),
    )
    contact_ids_text = StringField(validators=[Optional(), Length(max=2000)])
    # Unknown ids are refused by the service, with its message beside the field.
    staff_ids = IdListField(
        _l("Staff present"),
        description=_l("Type at least two letters of a colleague's name, then pick."),
    )
    staff_ids_text = StringField(validators=[Optional(), Length(max=2000)])
    strategy_ids = IdListField(_l("Strategies the meeting serves"))
    measure_ids = IdListField(_l("Measures in the action plan the meeting serves"))
    notes = TextAreaField(
        _l("Notes"),
        validators=[Optional(), Length(max=MAX_NOTES_LENGTH)],
        description=_l(
            "Markdown: **bold**, *italic*, lists with -, links as [text](https://…). "
            "The notes may be handed out under the Freedom of Information Act and archived."
        ),
        render_kw={"rows": 8},
    )
    # Set when the meeting is logged from an establishment case's page (new meetings only).
    establishment_id = IdField()
    # Set when the meeting is logged from an organisation's page (new meetings only).
    logged_from_id = IdField()
    submit = SubmitField(_l("Save meeting"))


class FollowUpForm(Form):
    """One follow-up task row of the capture form; a row without task and date is skipped."""

    title = StringField(_l("Task"), validators=[Optional(), Length(max=300)])
    assignee_id = SelectField(
        _l("Assigned to"), coerce=optional_id, validate_choice=False, choices=[]
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    # The meeting's organisations; empty: the one it was logged from, else the first.
    company_id = SelectField(
        _l("Organisation"), coerce=optional_id, validate_choice=False, choices=[]
    )

    def is_empty(self) -> bool:
        """Nothing the adviser typed: the row is left out."""
        return not (self.title.data or "").strip() and self.due_on.data is None


class CaptureForm(MeetingForm):
    """Log a meeting and its follow-up tasks in one go."""

    tasks = FieldList(FormField(FollowUpForm), min_entries=1, max_entries=20)

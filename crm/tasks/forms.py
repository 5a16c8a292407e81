"""Forms for follow-up tasks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.common.forms import DateField, IdListField, VersionedForm, optional_id


class _TaskFields:
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=300)])
    due_on = DateField(
        _l("Due date"),
        validators=[Optional()],
        description=_l("May be before the meeting: then it is a reminder."),
    )
    # Unknown users are refused by the service, with its message beside the field.
    assignee_id = SelectField(
        _l("Assigned to"), coerce=optional_id, validate_choice=False, choices=[]
    )
    # The meeting's organisations; the service refuses any other.
    company_id = SelectField(
        _l("Organisation"),
        coerce=optional_id,
        validate_choice=False,
        choices=[],
        description=_l("The task shows on this organisation's timeline."),
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=10_000)], render_kw={"rows": 3}
    )
    measure_ids = IdListField(_l("Measures in the action plan the task serves"))


class TaskForm(_TaskFields, FlaskForm):
    """A follow-up task added from a meeting's page."""

    submit = SubmitField(_l("Add task"))


class TaskEditForm(_TaskFields, VersionedForm):
    """Change a task."""

    submit = SubmitField(_l("Save"))


class TaskDoneForm(FlaskForm):
    """Mark a task done (done=1) or open again (done=0); `next` is where to go afterwards."""

    done = HiddenField(validators=[DataRequired()])
    next = HiddenField()

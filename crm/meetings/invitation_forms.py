"""The form that carries an uploaded invitation (.ics or .eml) to be read into the meeting form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms.validators import Optional

from crm.common.forms import DateField


class InvitationForm(FlaskForm):
    """An invitation file, and for a series the date of the meeting to log."""

    file = FileField(
        _l("Invitation from your calendar"),
        validators=[FileRequired(_l("Choose an invitation file (.ics or .eml)."))],
        description=_l("An .ics file, or an email (.eml) with the invitation attached."),
    )
    on = DateField(_l("Date of the meeting in the series"), validators=[Optional()])

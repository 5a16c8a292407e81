"""Forms for administering users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

ROLE_CHOICES = [
    SelectChoice("reader", _l("Reader: sees everything, changes nothing")),
    SelectChoice("editor", _l("Editor: logs meetings and edits records")),
    SelectChoice("admin", _l("Administrator: also users and reference data")),
]


class UserCreateForm(FlaskForm):
    """A new user; the password is generated and shown once."""

    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="editor")
    submit = SubmitField(_l("Create user"))


class UserEditForm(FlaskForm):
    """Role and active flag of an existing user."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may sign in)"))
    submit = SubmitField(_l("Save"))


class PasswordResetForm(FlaskForm):
    """A button: give the user a new one-time password."""

    submit = SubmitField(_l("Give a new one-time password"))

"""Forms for administering users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from crm.auth.labels import ROLE

ROLE_HELP = _l(
    "A reader sees everything and changes nothing; an editor also logs meetings and edits "
    "records; an administrator also manages users and reference data."
)


class UserCreateForm(FlaskForm):
    """A new user: invited by mail, or, with mail off, given a password shown once."""

    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE.choices(), default="editor", description=ROLE_HELP)
    submit = SubmitField(_l("Create user"))


class UserEditForm(FlaskForm):
    """Role and active flag of an existing user."""

    role = SelectField(_l("Role"), choices=ROLE.choices(), description=ROLE_HELP)
    active = BooleanField(_l("Active (may sign in)"))
    submit = SubmitField(_l("Save"))


class PasswordResetForm(FlaskForm):
    """A button: give the user a new one-time password."""

    submit = SubmitField(_l("Give a new one-time password"))


class InvitationForm(FlaskForm):
    """A button: mail the user a new one-time link to choose their password."""

    submit = SubmitField(_l("Send a link to choose a new password"))


class SignInSettingsForm(FlaskForm):
    """The administrators' choices about signing in through the municipality."""

    create_users_from_provider = BooleanField(
        _l("Give colleagues without an account one at their first sign-in, as readers"),
        description=_l(
            "Applies to sign-in with the municipality's account. Off: only users an "
            "administrator has created can sign in."
        ),
    )
    submit = SubmitField(_l("Save"))

"""Forms for the user's own account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

LANGUAGE_CHOICES = [SelectChoice("nb", "Norsk bokmål"), SelectChoice("en", "English")]


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=128)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=128)],
        description=_l("At least 12 characters. A sentence you can remember works well."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    """Pick the interface language."""

    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[DataRequired()])
    submit = SubmitField(_l("Change language"))


class TwoFactorStartForm(FlaskForm):
    """Begin setting up the second factor (a new secret for the app)."""

    submit = SubmitField(_l("Set up two-step sign-in"))


class TwoFactorConfirmForm(FlaskForm):
    """The first code from the app, proving it was set up right."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The 6 digits the app shows for Koblingsboks."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class PasswordConfirmForm(FlaskForm):
    """The password again, before a change to how one signs in."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Confirm"))


# A token's lifetime as offered on the page; the CLI takes any up to a year.
TOKEN_LIFETIMES = [
    SelectChoice("30", _l("30 days")),
    SelectChoice("90", _l("90 days")),
    SelectChoice("365", _l("One year")),
]


class TokenForm(FlaskForm):
    """Create a personal API token."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What the token is for, e.g. “Power BI report” or “Member list script”."),
    )
    scope = SelectField(_l("Access"), choices=[], validators=[DataRequired()])
    lifetime = SelectField(
        _l("Valid for"), choices=TOKEN_LIFETIMES, default="90", validators=[DataRequired()]
    )
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(FlaskForm):
    """Revoke a token (a button)."""

    submit = SubmitField(_l("Revoke"))

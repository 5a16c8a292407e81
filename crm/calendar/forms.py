"""Forms for the calendar feed page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class RenewForm(FlaskForm):
    """Make a new feed URL (the old one stops working)."""

    submit = SubmitField(_l("Make a new subscription address"))


class StopForm(FlaskForm):
    """Turn the feed off."""

    submit = SubmitField(_l("Turn the subscription off"))

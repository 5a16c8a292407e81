"""Forms of the register pages: the change page's filters, a flag rule, starting an import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from crm.common.forms import VersionedForm, optional_choice
from crm.establishments.labels import FLAG_KIND, FLAG_SEVERITY
from crm.register.labels import CHANGE_CATEGORY, REGISTER_FIELD

FILTER_FIELDS = (
    "name",
    "employees",
    "address",
    "municipality_number",
    "register_status",
    "industry_code",
    "org_form",
    "website",
    "last_accounts_year",
)


class ChangeFilterForm(FlaskForm):
    """The change page's filters, read from the query string."""

    class Meta:
        csrf = False

    category = SelectField(
        _l("Kind of change"),
        choices=CHANGE_CATEGORY.choices(empty=_l("All changes")),
        coerce=optional_choice,
    )
    field = SelectField(
        _l("Field"),
        choices=REGISTER_FIELD.choices(empty=_l("All fields"), only=FILTER_FIELDS),
        coerce=optional_choice,
    )
    submit = SubmitField(_l("Filter"))


class FlagRuleForm(VersionedForm):
    """What one rule raises, whether it is on, and its thresholds."""

    kind = SelectField(_l("Kind of warning"), choices=FLAG_KIND.choices())
    severity = SelectField(_l("Severity"), choices=FLAG_SEVERITY.choices())
    enabled = BooleanField(_l("On"))
    threshold_percent = IntegerField(_l("Fall of at least (per cent)"), validators=[Optional()])
    threshold_people = IntegerField(_l("Fall of at least (people)"), validators=[Optional()])
    submit = SubmitField(_l("Save the rule"))


class StartImportForm(FlaskForm):
    """A register file to import: uploaded, or one of the server's folder."""

    file = FileField(
        _l("Register file (upload)"),
        description=_l(
            "The register's file of main units or sub-units (JSON or CSV, gzipped or not), "
            "at most 10 MB. Larger files: put them in the server's import folder."
        ),
    )
    server_file = SelectField(
        _l("Or a file in the server's import folder"), choices=[], validate_choice=False
    )
    kommuner = StringField(
        _l("Municipality numbers"),
        default="3205",
        validators=[Length(max=100)],
        description=_l("Separated by spaces or commas, e.g. 3205."),
    )
    submit = SubmitField(_l("Start the import"))

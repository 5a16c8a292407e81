"""Forms for clusters and memberships; they check shape, the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.clusters.labels import CLUSTER_KIND, MEMBERSHIP_ROLE, PROGRAMME_LEVEL
from crm.common.dates import local_today
from crm.common.forms import DateField, IdField, VersionedForm


def _typeahead(target: str) -> dict:
    """Attributes of the visible half of the type-ahead contract (static JS fills `target`)."""
    return {"data-typeahead": "companies", "data-target": target, "autocomplete": "off"}


class ClusterForm(VersionedForm):
    """A cluster's facts; the version is ignored when creating."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=CLUSTER_KIND.choices(), default="cluster")
    programme_level = SelectField(
        _l("Programme level"),
        choices=PROGRAMME_LEVEL.choices(),
        default="none",
        description=_l("Level in Norwegian Innovation Clusters (Arena, Arena Pro, NCE, GCE)."),
    )
    focus = StringField(_l("Focus"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300)],
        description=_l("A full address starting with https://"),
    )
    facilitator_id = IdField()
    facilitator_name = StringField(
        _l("Facilitating organisation"),
        validators=[Optional(), Length(max=300)],
        description=_l("Type a name to search, or give the 9-digit organisation number."),
        render_kw=_typeahead("facilitator_id"),
    )
    submit = SubmitField(_l("Save"))


class MembershipForm(FlaskForm):
    """A new membership of a cluster."""

    company_id = IdField()
    company_name = StringField(
        _l("Organisation"),
        validators=[Length(max=300)],
        description=_l("Type a name to search, or give the 9-digit organisation number."),
        render_kw=_typeahead("company_id"),
    )
    role = SelectField(_l("Role"), choices=MEMBERSHIP_ROLE.choices(), default="member")
    joined_on = DateField(_l("Member since"), validators=[Optional()], default=local_today)
    left_on = DateField(
        _l("Member until"),
        validators=[Optional()],
        description=_l("Leave empty while the organisation is a member."),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Add member"))


class MembershipEditForm(VersionedForm):
    """A membership's role, dates and note."""

    role = SelectField(_l("Role"), choices=MEMBERSHIP_ROLE.choices())
    joined_on = DateField(_l("Member since"), validators=[Optional()])
    left_on = DateField(
        _l("Member until"),
        validators=[Optional()],
        description=_l("Leave empty while the organisation is a member."),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))


class EndMembershipForm(FlaskForm):
    """End a membership on a date; the membership stays as history."""

    left_on = DateField(_l("Member until"), validators=[DataRequired()], default=local_today)
    submit = SubmitField(_l("End membership"))


class DeleteMembershipForm(FlaskForm):
    """A button: remove a membership entered by mistake."""

    submit = SubmitField(_l("Delete membership"))

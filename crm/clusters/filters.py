"""The clusters list's filters: the form above the list, read from the query string.

The list page, its export and saved filters (crm.lists) read the same form, so a file
holds exactly what the page shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from crm.clusters import queries
from crm.clusters.labels import CLUSTER_KIND, MEMBERSHIP_ROLE
from crm.common.filters import valid_filter_values
from crm.common.forms import select_choices
from crm.companies.labels import COMPANY_KIND

STATUS_CHOICES = [
    ("current", _l("Current members")),
    ("former", _l("Former members")),
    ("all", _l("All")),
]


class ClusterFilterForm(FlaskForm):
    """The kind filter of the list page (GET, no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=CLUSTER_KIND.choices(empty=_l("All kinds")), default="")


class MemberFilterForm(FlaskForm):
    """The filters of a cluster's members table (GET, no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=select_choices(STATUS_CHOICES), default="current")
    role = SelectField(
        _l("Role"), choices=MEMBERSHIP_ROLE.choices(empty=_l("All roles")), default=""
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=COMPANY_KIND.choices(empty=_l("All kinds")),
        default="",
    )


def cluster_filter_form(
    args: Mapping[str, str],
) -> tuple[ClusterFilterForm, queries.ClusterFilters]:
    """The cluster list's filter form and the filter it asks for; an unknown kind is marked."""
    form = ClusterFilterForm(formdata=MultiDict(args))
    values = valid_filter_values(form)
    return form, queries.ClusterFilters(kind=values["kind"] or None)


def member_filter_form(args: Mapping[str, str]) -> tuple[MemberFilterForm, queries.MemberFilters]:
    """The members table's filter form and the filters it asks for; unknown values are marked."""
    form = MemberFilterForm(formdata=MultiDict(args))
    values = valid_filter_values(form)
    filters = queries.MemberFilters(
        status=values["status"], role=values["role"] or None, kind=values["kind"] or None
    )
    return form, filters

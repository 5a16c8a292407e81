"""The contacts list's filters: the form above the list, read from the query string.

The list page, its export and saved filters (crm.lists) read the same form, so a file
holds exactly what the page shows (see crm.common.filters).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    HiddenField,
    StringField,
)
from wtforms.validators import Length

from crm.common.errors import DomainError
from crm.common.filters import valid_filter_values
from crm.common.forms import (
    FastCheckboxInput,
    FastHiddenInput,
    FastTextInput,
    IdField,
    show_domain_error,
)
from crm.companies.services import resolve_organisation
from crm.contacts import queries
from crm.contacts.forms import COMPANY_TYPEAHEAD


class ContactFilterForm(FlaskForm):
    """The list's search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    # The faster widgets write the same HTML (crm.common.forms.html_params).
    q = StringField(
        _l("Search"),
        description=_l("Name, email or phone"),
        validators=[Length(max=200)],
        widget=FastTextInput(),
    )
    company = StringField(
        _l("Organisation"),
        validators=[Length(max=300)],
        description=_l("Type a name to get suggestions, or a 9-digit organisation number."),
        render_kw=COMPANY_TYPEAHEAD,
        widget=FastTextInput(),
    )
    company_id = IdField(widget=FastHiddenInput())
    include_former = BooleanField(
        _l("Include people who have left the organisation"), widget=FastCheckboxInput()
    )
    sort = HiddenField(widget=FastHiddenInput())


def contact_filter_form(
    session: Session, args: Mapping[str, str]
) -> tuple[ContactFilterForm, queries.ContactFilters]:
    """The list's filter form and the filters it asks for (list and export).

    An organisation that is not found is marked on the form and matches nobody: the list must
    not fall back to everyone.
    """
    form = ContactFilterForm(formdata=MultiDict(args))
    values = valid_filter_values(form)
    company_id = None
    if values["company_id"] or values["company"]:
        try:
            company_id = resolve_organisation(
                session,
                company_id=values["company_id"],
                typed=values["company"],
                field="company",
                required=True,
            ).id
        except DomainError as error:
            show_domain_error(form, error)
            company_id = 0
    filters = queries.ContactFilters(
        q=values["q"] or "",
        company_id=company_id,
        include_former=bool(values["include_former"]),
    )
    return form, filters

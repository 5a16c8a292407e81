"""One shape for the filters of every list.

Each list has a small frozen dataclass of its filter values (`CompanyFilters`, `ContactFilters`,
`MeetingFilters`, `CaseFilters`, `ClusterFilters`, `MemberFilters`, in the feature's
queries.py) and one function in its forms.py (`company_filter_form`, `contact_filter_form`, …)
that reads request.args through a WTForms form and returns the form and the dataclass. The list
page and its export call the same function, so a file holds exactly what the page shows.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


def valid_filter_values(form: FlaskForm) -> dict[str, Any]:
    """Validate a filter form; each field's value, or its default where the value is invalid.

    An invalid value filters nothing: the field falls back to its default (a select shows
    "all" again) and keeps its error, so the page says why the filter was not applied.
    """
    form.validate()
    values = {}
    for field in form:
        if field.errors:
            field.data = field.object_data
        values[field.short_name] = field.data
    return values

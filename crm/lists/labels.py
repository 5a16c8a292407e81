"""Display labels for the lists that remember, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.lists.models import ListName

LIST_NAME = label_table(
    "list_name",
    {
        ListName.COMPANIES: _l("Organisations"),
        ListName.CONTACTS: _l("People"),
        ListName.MEETINGS: _l("Meetings"),
        ListName.TASKS: _l("My tasks"),
        ListName.CASES: _l("Establishment cases"),
    },
    enum=ListName,
    columns=("saved_filters.list_name",),
)

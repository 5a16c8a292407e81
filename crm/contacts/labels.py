"""Display labels for the people feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.contacts.models import AccessAction

ACCESS_ACTION = label_table(
    "access_action",
    {
        AccessAction.VIEWED: _l("Viewed"),
        AccessAction.EXPORTED: _l("Downloaded everything"),
        AccessAction.ERASED: _l("Erased"),
        AccessAction.LISTED_IN_EXPORT: _l("Listed in an export"),
    },
    enum=AccessAction,
    columns=("contact_access_log.action",),
)

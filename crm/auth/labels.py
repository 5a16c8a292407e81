"""Display labels for users' roles, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.access import Role
from crm.common.labels import label_table

ROLE = label_table(
    "role",
    {
        Role.READER: _l("Reader"),
        Role.EDITOR: _l("Editor"),
        Role.ADMIN: _l("Administrator"),
    },
    enum=Role,
    columns=("users.role",),
)

"""Display labels for the task feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.tasks.queries import TaskGroup

# Worked out from the due date when read (never stored), so no column holds them.
TASK_GROUP = label_table(
    "task_group",
    {
        TaskGroup.OVERDUE: _l("Overdue"),
        TaskGroup.TODAY: _l("Due today"),
        TaskGroup.WEEK: _l("Due within a week"),
        TaskGroup.LATER: _l("Due later"),
        TaskGroup.UNDATED: _l("No due date"),
        TaskGroup.DONE: _l("Done"),
    },
    enum=TaskGroup,
)

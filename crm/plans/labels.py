"""Display labels for the action plan's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.plans.models import MeasureStatus

MEASURE_STATUS = label_table(
    "measure_status",
    {
        MeasureStatus.PLANNED: _l("Planned"),
        MeasureStatus.STARTED: _l("Started"),
        MeasureStatus.DONE: _l("Done"),
        MeasureStatus.DROPPED: _l("Dropped"),
    },
    enum=MeasureStatus,
    columns=("measures.status",),
)

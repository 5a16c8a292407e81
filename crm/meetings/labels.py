"""Display labels for the meeting feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.meetings.models import MeetingKind

MEETING_KIND = label_table(
    "meeting_kind",
    {
        MeetingKind.MEETING: _l("Meeting"),
        MeetingKind.VISIT: _l("Company visit"),
        MeetingKind.PHONE: _l("Phone call"),
        MeetingKind.WORKSHOP: _l("Workshop"),
        MeetingKind.CONFERENCE: _l("Conference"),
        MeetingKind.EMAIL: _l("Email"),
    },
    enum=MeetingKind,
    columns=("meetings.kind",),
)

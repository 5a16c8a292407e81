"""Display labels for the meeting feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.meetings.models import Exemption, MeetingKind

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

EXEMPTION = label_table(
    "exemption",
    {
        Exemption.PERSONAL: _l("offl. § 13 cf. fvl. § 13 (1) no. 1 – personal matters"),
        Exemption.BUSINESS_SECRETS: _l("offl. § 13 cf. fvl. § 13 (1) no. 2 – business secrets"),
        Exemption.INTERNAL: _l("offl. § 14 – internal document"),
        Exemption.NEGOTIATIONS: _l("offl. § 23 (1) – the municipality's negotiating position"),
        Exemption.INSPECTIONS: _l("offl. § 24 – control and regulatory measures"),
    },
    enum=Exemption,
    columns=("meetings.exemption",),
)

"""Display labels for the organisation feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.companies.models import CompanyKind, IndustryStandard, RegisterStatus

KIND_LABELS = {
    CompanyKind.COMPANY.value: _l("Company"),
    CompanyKind.RESEARCH.value: _l("Research institute"),
    CompanyKind.EDUCATION.value: _l("School or university"),
    CompanyKind.PUBLIC.value: _l("Public body"),
    CompanyKind.CLUSTER_ORGANISATION.value: _l("Cluster organisation"),
    CompanyKind.INCUBATOR.value: _l("Incubator"),
    CompanyKind.VENUE.value: _l("Venue"),
    CompanyKind.OTHER.value: _l("Other"),
}

STATUS_LABELS = {
    RegisterStatus.ACTIVE.value: _l("Active"),
    RegisterStatus.UNDER_LIQUIDATION.value: _l("Under liquidation"),
    RegisterStatus.BANKRUPT.value: _l("Bankrupt"),
    RegisterStatus.DELETED.value: _l("Deleted from the register"),
}

# Bootstrap badge colours with AA contrast on their text.
STATUS_BADGES = {
    RegisterStatus.ACTIVE.value: "text-bg-success",
    RegisterStatus.UNDER_LIQUIDATION.value: "text-bg-warning",
    RegisterStatus.BANKRUPT.value: "text-bg-danger",
    RegisterStatus.DELETED.value: "text-bg-secondary",
}

STANDARD_LABELS = {
    IndustryStandard.SN2007.value: "SN2007",
    IndustryStandard.SN2025.value: "SN2025",
}

# The clusters and meetings features own these values; the timeline only needs their names.
MEMBERSHIP_ROLE_LABELS = {
    "member": _l("Member"),
    "partner": _l("Partner"),
    "facilitator": _l("Host/facilitator"),
    "board": _l("Board"),
    "founding_member": _l("Founding member"),
}

MEETING_KIND_LABELS = {
    "meeting": _l("Meeting"),
    "visit": _l("Company visit"),
    "phone": _l("Phone call"),
    "workshop": _l("Workshop"),
    "conference": _l("Conference"),
    "email": _l("Email"),
}


def format_orgnr(value: str | None) -> str:
    """Show an organisation number in groups of three, as the register does: 974 760 673."""
    if not value:
        return ""
    if len(value) != 9:
        return value
    return f"{value[:3]} {value[3:6]} {value[6:]}"

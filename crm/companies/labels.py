"""Display labels for the organisation feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.companies.models import CompanyKind, IndustryStandard, RegisterStatus

COMPANY_KIND = label_table(
    "company_kind",
    {
        CompanyKind.COMPANY: _l("Company"),
        CompanyKind.RESEARCH: _l("Research institute"),
        CompanyKind.EDUCATION: _l("Education"),
        CompanyKind.PUBLIC: _l("Public body"),
        CompanyKind.CLUSTER_ORGANISATION: _l("Cluster organisation"),
        CompanyKind.INCUBATOR: _l("Incubator"),
        CompanyKind.VENUE: _l("Venue"),
        CompanyKind.OTHER: _l("Other"),
    },
    enum=CompanyKind,
    columns=("companies.kind",),
)

REGISTER_STATUS = label_table(
    "register_status",
    {
        RegisterStatus.ACTIVE: _l("Active"),
        RegisterStatus.UNDER_LIQUIDATION: _l("Under liquidation"),
        RegisterStatus.BANKRUPT: _l("Bankrupt"),
        RegisterStatus.DELETED: _l("Deleted from the register"),
    },
    enum=RegisterStatus,
    columns=("companies.register_status", "register_points.register_status"),
)

# Names of the two editions of the industry classification; the same in every language.
INDUSTRY_STANDARD = label_table(
    "industry_standard",
    {IndustryStandard.SN2007: "SN2007", IndustryStandard.SN2025: "SN2025"},
    enum=IndustryStandard,
    columns=("companies.industry_standard",),
    translated=False,
)

# Bootstrap badge colours with AA contrast on their text.
STATUS_BADGES = {
    RegisterStatus.ACTIVE.value: "text-bg-success",
    RegisterStatus.UNDER_LIQUIDATION.value: "text-bg-warning",
    RegisterStatus.BANKRUPT.value: "text-bg-danger",
    RegisterStatus.DELETED.value: "text-bg-secondary",
}


def format_orgnr(value: str | None) -> str:
    """Show an organisation number in groups of three, as the register does: 974 760 673."""
    if not value:
        return ""
    if len(value) != 9:
        return value
    return f"{value[:3]} {value[3:6]} {value[6:]}"

"""Display labels for the establishment feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.establishments.models import (
    CaseKind,
    FlagKind,
    FlagSeverity,
    LostReason,
    PremisesType,
    StageOutcome,
)

CASE_KIND = label_table(
    "case_kind",
    {
        CaseKind.NEW: _l("New establishment"),
        CaseKind.EXPANSION: _l("Expansion"),
        CaseKind.RELOCATION: _l("Relocation within the municipality"),
        CaseKind.RETENTION: _l("Retention (risk of leaving)"),
    },
    enum=CaseKind,
    columns=("establishment_cases.kind",),
)

PREMISES_TYPE = label_table(
    "premises_type",
    {
        PremisesType.OFFICE: _l("Office"),
        PremisesType.INDUSTRY_LOGISTICS: _l("Industry or logistics"),
        PremisesType.LABORATORY: _l("Laboratory"),
        PremisesType.RETAIL: _l("Retail"),
        PremisesType.OTHER: _l("Other"),
    },
    enum=PremisesType,
    columns=("establishment_cases.premises_type",),
)

LOST_REASON = label_table(
    "lost_reason",
    {
        LostReason.OTHER_MUNICIPALITY: _l("Chose another municipality"),
        LostReason.NO_SITE: _l("No suitable site or premises"),
        LostReason.PROJECT_STOPPED: _l("Project stopped"),
        LostReason.OTHER: _l("Other reason"),
    },
    enum=LostReason,
    columns=("establishment_cases.lost_reason",),
)

STAGE_OUTCOME = label_table(
    "stage_outcome",
    {
        StageOutcome.OPEN: _l("Open"),
        StageOutcome.ESTABLISHED: _l("Established"),
        StageOutcome.LOST: _l("Lost"),
        StageOutcome.ON_HOLD: _l("On hold"),
    },
    enum=StageOutcome,
    columns=("establishment_stages.outcome",),
)

FLAG_SEVERITY = label_table(
    "flag_severity",
    {FlagSeverity.RED: _l("Red"), FlagSeverity.YELLOW: _l("Yellow")},
    enum=FlagSeverity,
    columns=("warning_flags.severity", "register_flag_rules.severity"),
)

FLAG_KIND = label_table(
    "flag_kind",
    {
        FlagKind.MOVING_OR_CLOSING: _l("Moving or closing"),
        FlagKind.DOWNSIZING: _l("Downsizing"),
        FlagKind.EXPANDING: _l("Expanding"),
        FlagKind.LABOUR_SHORTAGE: _l("Labour shortage"),
        FlagKind.PREMISES: _l("Premises"),
        FlagKind.REGULATORY: _l("Regulatory"),
        FlagKind.SUPPLIER: _l("Suppliers"),
        FlagKind.OTHER: _l("Other"),
    },
    enum=FlagKind,
    columns=("warning_flags.kind", "register_flag_rules.kind"),
)

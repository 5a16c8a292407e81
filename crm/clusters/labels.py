"""Display labels for the cluster feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.clusters.models import ClusterKind, MembershipRole, ProgrammeLevel
from crm.common.labels import label_table

CLUSTER_KIND = label_table(
    "cluster_kind",
    {
        ClusterKind.CLUSTER: _l("Cluster"),
        ClusterKind.NETWORK: _l("Network"),
        ClusterKind.PROGRAMME: _l("Programme"),
    },
    enum=ClusterKind,
    columns=("clusters.kind",),
)

PROGRAMME_LEVEL = label_table(
    "programme_level",
    {
        ProgrammeLevel.NONE: _l("None"),
        ProgrammeLevel.ARENA: _l("Arena"),
        ProgrammeLevel.ARENA_PRO: _l("Arena Pro"),
        ProgrammeLevel.NCE: _l("NCE"),
        ProgrammeLevel.GCE: _l("GCE"),
    },
    enum=ProgrammeLevel,
    columns=("clusters.programme_level",),
)

MEMBERSHIP_ROLE = label_table(
    "membership_role",
    {
        MembershipRole.MEMBER: _l("Member"),
        MembershipRole.PARTNER: _l("Partner"),
        MembershipRole.FACILITATOR: _l("Facilitator"),
        MembershipRole.BOARD: _l("Board member"),
        MembershipRole.FOUNDING_MEMBER: _l("Founding member"),
    },
    enum=MembershipRole,
    columns=("memberships.role",),
)

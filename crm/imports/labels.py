"""Display labels for the import feature's coded values, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table
from crm.imports.models import ChangeAction, ImportKind, ImportStatus, UploadState

IMPORT_KIND = label_table(
    "import_kind",
    {
        ImportKind.BRREG: _l("Central Coordinating Register"),
        ImportKind.ORGANISATIONS: _l("Organisations"),
        ImportKind.CONTACTS: _l("People"),
        ImportKind.MERGE: _l("Merge"),
    },
    enum=ImportKind,
    columns=("import_runs.kind", "import_uploads.kind"),
)

IMPORT_STATUS = label_table(
    "import_status",
    {
        ImportStatus.RUNNING: _l("Running"),
        ImportStatus.FINISHED: _l("Finished"),
        ImportStatus.FAILED: _l("Failed"),
        ImportStatus.REVERTED: _l("Reverted"),
    },
    enum=ImportStatus,
    columns=("import_runs.status",),
)

CHANGE_ACTION = label_table(
    "import_change_action",
    {ChangeAction.CREATED: _l("Created"), ChangeAction.UPDATED: _l("Updated")},
    enum=ChangeAction,
    columns=("import_changes.action",),
)

UPLOAD_STATE = label_table(
    "import_upload_state",
    {UploadState.PENDING: _l("Waiting to be imported"), UploadState.IMPORTED: _l("Imported")},
    enum=UploadState,
    columns=("import_uploads.state",),
)

# The counts a run keeps in its summary, in the order the pages show them.
SUMMARY = label_table(
    "import_summary",
    {
        "read": _l("Read"),
        "kept": _l("Kept (in the municipality)"),
        "other_municipalities": _l("Other municipalities"),
        "created": _l("Created"),
        "updated": _l("Updated"),
        "unchanged": _l("Unchanged"),
        "skipped": _l("Skipped"),
        "rejected": _l("Rejected"),
        "parents_linked": _l("Linked to parent"),
        "affiliations": _l("Affiliations created"),
    },
)

# What the preview plans for each row of a spreadsheet.
ROW_ACTION = label_table(
    "import_row_action",
    {
        "create": _l("Create"),
        "update": _l("Update"),
        "unchanged": _l("Unchanged"),
        "duplicate": _l("Possible duplicate"),
        "error": _l("Error"),
    },
)

# Records that use an organisation or a person, by table: named when a merge moves them or
# when they keep an import from being reverted.
RECORD_USE = label_table(
    "record_use",
    {
        "meetings": _l("meetings"),
        "memberships": _l("cluster memberships"),
        "affiliations": _l("affiliations"),
        "tasks": _l("tasks"),
        "establishment_cases": _l("establishment cases"),
        "warning_flags": _l("warnings"),
        "cluster_facilitators": _l("clusters (as facilitator)"),
        "sub_units": _l("sub-units"),
        "links": _l("links"),
        "sectors": _l("sectors"),
        "meetings_logged_from": _l("meetings logged from its page"),
        "register_history": _l("register history points"),
        "measure_partners": _l("measures (as partner)"),
    },
)

"""`meeting_companies.starts_at`: the meeting's start, kept on its link to each organisation.

An organisation's timeline shows its newest meetings first. With the start only on `meetings`
and the organisation only on `meeting_companies`, no index serves that order: PostgreSQL walks
every meeting newest first and probes the links until it has the page (thousands of index
entries for a hub; 25,000 for a mid-size organisation at national scale). Kept on the link, the
page is read from `ix_meeting_companies_company_starts` (company_id, starts_at, meeting_id)
alone: 201 entries for any organisation (crm.companies.queries._meeting_entries).

Kept by database triggers in the same transaction, as `contacts.last_meeting_at` is
(crm/contacts/last_met.py): a link inserted (the meeting form, the API, an import, a merge's
moved rows, the trash's restore, the demo generator) takes its meeting's start; a link whose
meeting or start is changed by hand takes it again; a meeting moved in time moves its links.
A merge repoints `company_id` only, which leaves the start right. Derived data: never written by
the ORM (the relationship inserts the keys and the server default is a placeholder the insert's
trigger replaces), and the change log records link tables as members added and removed, so
it never shows as a user's change.

Every trigger compares before it writes, so a row that is already right is not written again
(the demo generator writes the start itself) and the triggers stop after one round: on
PostgreSQL the trigger's own UPDATE of starts_at fires `link_changed` once more, which finds
nothing to change; SQLite does not fire triggers recursively.

SQLite rebuilds a table when a migration alters it in batch mode and drops its triggers:
`crm.search.index.create_triggers` recreates these too.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from crm.common.row_triggers import RowTriggers

PREFIX = "meeting_start_"
# What a link row holds between its INSERT and the trigger that follows it in the same
# statement: the column is NOT NULL and the ORM's relationship inserts only the two keys.
PLACEHOLDER_START = "1970-01-01 00:00:00"

_START = "(SELECT starts_at FROM meetings WHERE id = NEW.meeting_id)"
_TAKE_START = (
    f"UPDATE meeting_companies SET starts_at = {_START} "  # noqa: S608  # nosec B608 (constants)
    f"WHERE meeting_id = NEW.meeting_id AND company_id = NEW.company_id AND starts_at <> {_START}"
)

# (name, table, event, statement): the same SQL on both engines, NEW/OLD as the row.
_TRIGGERS = (
    ("link_added", "meeting_companies", "INSERT", _TAKE_START),
    ("link_changed", "meeting_companies", "UPDATE OF meeting_id, starts_at", _TAKE_START),
    (
        "meeting_moved",
        "meetings",
        "UPDATE OF starts_at",
        "UPDATE meeting_companies SET starts_at = NEW.starts_at "
        "WHERE meeting_id = NEW.id AND starts_at <> NEW.starts_at",
    ),
)


TRIGGERS = RowTriggers(PREFIX, "meeting_companies", "starts_at", _TRIGGERS)


def refill(connection: Connection) -> None:
    """Copy every meeting's start onto its links (the migration; a load with triggers off)."""
    connection.execute(
        text(
            "UPDATE meeting_companies SET starts_at = "
            "(SELECT starts_at FROM meetings WHERE meetings.id = meeting_companies.meeting_id)"
        )
    )

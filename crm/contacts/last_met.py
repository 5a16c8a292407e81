"""`contacts.last_meeting_at`: the start of the newest meeting a person is a participant of.

Kept by database triggers so that the people list can sort by "last contacted" with an index
instead of computing the newest meeting of all 25,000 people to keep 50 (2 s on PostgreSQL):
a row written by the meeting form, the API, an import, a merge, the trash or plain SQL keeps
it in the same transaction, as the search index is kept (crm/search/index.py).

It counts every meeting, planned ones too, so it is not "last contacted" (the newest meeting
that has happened, which changes as days pass without any write): it equals it for everyone
whose newest meeting has happened, and the few with a planned meeting are computed on reading
(crm.contacts.queries). Derived data: not recorded in the change log, never written by the ORM.

The triggers: a participant added raises the value (one lookup); a participant removed or moved
(a merge) and a meeting moved in time recompute it for the people concerned; a meeting deleted
recomputes it for the people whose value was that meeting's start (an ORM delete removes the
participants while the meeting is still there, so their own triggers still saw it).

SQLite rebuilds a table when a migration alters it in batch mode and drops its triggers:
`crm.search.index.create_triggers` recreates these too, so the one call after such a migration
keeps both.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from crm.common.row_triggers import RowTriggers

PREFIX = "last_met_"

# Recompute the column from the person's meetings; each trigger adds its WHERE.
_RECOMPUTE = (
    "UPDATE contacts SET last_meeting_at = (SELECT max(m.starts_at) FROM meeting_contacts mc "
    "JOIN meetings m ON m.id = mc.meeting_id WHERE mc.contact_id = contacts.id)"
)
_MEETINGS_PEOPLE = "(SELECT contact_id FROM meeting_contacts WHERE meeting_id = NEW.id)"

# (name, table, event, statement): the same SQL on both engines, NEW/OLD as the row.
_TRIGGERS = (
    (
        "participant_added",
        "meeting_contacts",
        "INSERT",
        "UPDATE contacts SET last_meeting_at = "
        "(SELECT starts_at FROM meetings WHERE id = NEW.meeting_id) "
        "WHERE id = NEW.contact_id AND (last_meeting_at IS NULL OR last_meeting_at < "
        "(SELECT starts_at FROM meetings WHERE id = NEW.meeting_id))",
    ),
    (
        "participant_removed",
        "meeting_contacts",
        "DELETE",
        _RECOMPUTE + " WHERE id = OLD.contact_id",
    ),
    (
        "participant_moved",
        "meeting_contacts",
        "UPDATE",
        _RECOMPUTE + " WHERE id IN (OLD.contact_id, NEW.contact_id)",
    ),
    (
        "meeting_moved",
        "meetings",
        "UPDATE OF starts_at",
        _RECOMPUTE + " WHERE id IN " + _MEETINGS_PEOPLE,
    ),
    (
        "meeting_deleted",
        "meetings",
        "DELETE",
        _RECOMPUTE + " WHERE last_meeting_at = OLD.starts_at",
    ),
)


TRIGGERS = RowTriggers(PREFIX, "contacts", "last_meeting_at", _TRIGGERS)


def refill(connection: Connection) -> None:
    """Compute the column for every person again (the migration; a load with triggers off)."""
    connection.execute(text(_RECOMPUTE))

"""`meetings.strategy_mask`: the set of strategies a meeting serves, as one integer.

The strategy report groups the period's meetings, and the organisations met, by the set of
strategies each serves. Read from meeting_strategies, that set is a join and a GROUP BY per
meeting on every request (about 30,000 meetings and 39,000 tags from 2022 to today at
Lillestrøm's scale); stored on the meeting, the report reads it with the meeting's date from one
index (crm.reports.queries).

Each strategy has a bit of its own, `strategies.bit` (0 to 62, so a mask stays a positive
64-bit integer on both databases), given when the strategy is made, the lowest free one, and
never changed while the strategy lives: the report's choice of strategies (a focus area, a
period) is a mask of their bits, with no renumbering when strategies are added. A meeting's mask
is the sum of its strategies' bits. A strategy made when all 63 bits are taken has none
(NULL): meetings carry no bit for it, and a report that counts it reads the tags instead. When a
strategy with a bit is deleted, its bit goes to the oldest strategy without one.

Kept by database triggers in the same transaction, as `contacts.last_meeting_at` is
(crm/contacts/last_met.py): a tag added, removed or moved recomputes its meeting's mask; a
strategy's bit given or moved recomputes the masks of the meetings tagged with it. So the
meeting form, the API, an import, a merge, the trash (a restored meeting's tags are inserted
back after it) and plain SQL all keep it. Derived data: never written by the ORM.

SQLite rebuilds a table when a migration alters it in batch mode and drops its triggers:
`crm.search.index.create_triggers` recreates these too, so the one call after such a migration
keeps them.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from crm.common.row_triggers import RowTriggers

PREFIX = "strategy_set_"
# Bits 0..62: bit 63 would make the mask negative (a signed 64-bit integer on both databases).
BITS = 63

# The meeting's mask from its tags (a strategy without a bit adds nothing); each trigger adds
# its WHERE. sum, not bit_or: SQLite's bit_or is registered by the app, and a trigger must run
# on any connection (the sqlite3 shell, a backup); the bits of one meeting are distinct.
_RECOMPUTE = (
    "UPDATE meetings SET strategy_mask = (SELECT coalesce(sum(CAST(1 AS BIGINT) << s.bit), 0) "
    "FROM meeting_strategies ms JOIN strategies s ON s.id = ms.strategy_id "
    "WHERE ms.meeting_id = meetings.id)"
)
# The lowest bit no strategy holds (below BITS): 0, or one above a held bit, that is free.
_FREE_BIT = (
    "(SELECT min(free.n) FROM (SELECT 0 AS n UNION SELECT bit + 1 FROM strategies "
    "WHERE bit IS NOT NULL) AS free "
    "WHERE free.n < 63 AND free.n NOT IN (SELECT bit FROM strategies WHERE bit IS NOT NULL))"
)
# Constants only: the strategy's id is NEW.id or a bound parameter.
_GIVE_FREE_BIT = "UPDATE strategies SET bit = " + _FREE_BIT + " WHERE bit IS NULL AND id = "  # noqa: S608  # nosec B608
_TAGGED = "(SELECT meeting_id FROM meeting_strategies WHERE strategy_id IN (OLD.id, NEW.id))"

# (name, table, event, statement): the same SQL on both engines, NEW/OLD as the row.
_TRIGGERS = (
    ("tag_added", "meeting_strategies", "INSERT", _RECOMPUTE + " WHERE id = NEW.meeting_id"),
    ("tag_removed", "meeting_strategies", "DELETE", _RECOMPUTE + " WHERE id = OLD.meeting_id"),
    (
        "tag_moved",
        "meeting_strategies",
        "UPDATE",
        _RECOMPUTE + " WHERE id IN (OLD.meeting_id, NEW.meeting_id)",
    ),
    (
        "strategy_added",
        "strategies",
        "INSERT",
        _GIVE_FREE_BIT + "NEW.id",
    ),
    (
        # The meetings' tags of the deleted strategy go by the foreign key's cascade, each
        # recomputing its meeting; this hands the freed bit on.
        "strategy_deleted",
        "strategies",
        "DELETE",
        "UPDATE strategies SET bit = OLD.bit WHERE OLD.bit IS NOT NULL "
        "AND id = (SELECT min(id) FROM strategies WHERE bit IS NULL)",
    ),
    (
        "bit_moved",
        "strategies",
        "UPDATE OF bit",
        _RECOMPUTE + " WHERE id IN " + _TAGGED,
    ),
)


TRIGGERS = RowTriggers(PREFIX, "meetings", "strategy_mask", _TRIGGERS)


def refill(connection: Connection) -> None:
    """Give every strategy without a bit the lowest free one (oldest first, while bits last),
    then compute every meeting's mask again (the migration; a load with triggers off)."""
    waiting = connection.execute(
        text("SELECT id FROM strategies WHERE bit IS NULL ORDER BY id")
    ).scalars()
    for strategy_id in list(waiting):
        connection.execute(text(_GIVE_FREE_BIT + ":id"), {"id": strategy_id})
    connection.execute(text(_RECOMPUTE))

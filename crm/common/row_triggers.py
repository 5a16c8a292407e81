"""Row triggers written once for SQLite and PostgreSQL: derived columns kept in the same
transaction as the rows they derive from, whichever path writes them (form, API, import,
merge, trash, plain SQL).

A set of triggers is (name, table, event, statement) with NEW/OLD as the row; SQLite gets
`CREATE TRIGGER … BEGIN statement; END`, PostgreSQL a plpgsql function per trigger. Used by
crm.meetings.strategy_sets and crm.contacts.last_met.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text


@dataclass(frozen=True)
class RowTriggers:
    """Named AFTER … FOR EACH ROW triggers that keep `column` of `table`."""

    prefix: str
    table: str
    column: str
    triggers: tuple[tuple[str, str, str, str], ...]

    def names(self) -> set[str]:
        """The names of the triggers (to check they are all there)."""
        return {self.prefix + name for name, *_rest in self.triggers}

    def _statements(self, dialect: str) -> list[str]:
        statements = []
        for name, table, when, body in self.triggers:
            full = self.prefix + name
            if dialect == "sqlite":
                statements.append(
                    f"CREATE TRIGGER {full} AFTER {when} ON {table} FOR EACH ROW BEGIN {body}; END"
                )
            else:
                statements.append(
                    f"CREATE OR REPLACE FUNCTION {full}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN {body}; RETURN NULL; END $$"
                )
                statements.append(
                    f"CREATE TRIGGER {full} AFTER {when} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {full}()"
                )
        return statements

    def drop(self, connection: Connection) -> None:
        """Drop the triggers (and on PostgreSQL their functions), if they are there."""
        for name, table, *_rest in self.triggers:
            full = self.prefix + name
            if connection.dialect.name == "sqlite":
                connection.execute(text(f"DROP TRIGGER IF EXISTS {full}"))
            else:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {full} ON {table}"))
                connection.execute(text(f"DROP FUNCTION IF EXISTS {full}()"))

    def create(self, connection: Connection) -> None:
        """(Re)create the triggers."""
        self.drop(connection)
        for statement in self._statements(connection.dialect.name):
            connection.execute(text(statement))

    def recreate(self, connection: Connection) -> None:
        """create, once the column is there: a migration before the one adding it (one that
        calls crm.search.index.create_triggers after a batch rebuild) leaves them out."""
        columns = {column["name"] for column in inspect(connection).get_columns(self.table)}
        if self.column in columns:
            self.create(connection)

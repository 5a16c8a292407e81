"""The full-text index: which records are searched, and the database objects that keep it.

One index for every kind of record, kept in step by database triggers: a row written by a form,
a bulk action, an import or a plain SQL statement is indexed in the same transaction, and a
deleted (or erased) row leaves the index with it. Each indexed row has the id
`code * 2**40 + record_id`: the kind and the record come back from the id alone, a row is
replaced or deleted by its key, and each kind is one range of ids, which both engines can
search within (FTS5 seeks a rowid range in its lists; PostgreSQL has the primary key).

SQLite: an FTS5 table `search_fts(title, body)`, tokenizer `unicode61 remove_diacritics 0`:
words are split on anything that is not a letter or digit and case-folded by Unicode's rules
("Ø" → "ø", "Æ" → "æ", "É" → "é"), diacritics kept ("bør" ≠ "bor", "å" ≠ "a"). FTS5 has no
Norwegian stemmer and the triggers cannot call Python, so the stored words are not stemmed;
the query is: each word is stemmed in Python with the Snowball Norwegian stemmer (the same
algorithm as PostgreSQL's `norwegian` configuration) and searched as a prefix, so "byggene"
→ "bygg*" finds "bygg", "bygget", "byggene" (and compounds such as "byggesak").

PostgreSQL: a table `search_index(id, title, body, document tsvector)` with one partial GIN
index per kind (`search_document_<code>`, on the rows whose `id >> 40` is the kind's code);
`document` is `to_tsvector('norwegian', …)` of the title (weight A) and body (weight B), so
the stored words are stemmed and the query words are stemmed by `to_tsquery('norwegian', …)`,
also as prefixes. One index per kind rather than one for the table: a GIN index answers "which
rows" but not "of which kind", so with one index a kind's hits were found by reading every hit
of every kind from the table (17,000 rows for a common word); a kind's own index finds only its
hits, and the search reads at most COUNT_CAP of them (crm/search/queries.py).

Organisation numbers are indexed as one word of nine digits; a person's phone (stored in
E.164: +4791234567) as its digits with and without the country code, and the email split
into its words (PostgreSQL would otherwise keep an address as one token).

SQLite rebuilds a table when a migration alters it in batch mode, and the rebuild drops the
table's triggers: a later migration that alters one of SOURCES' tables in batch must call
`create_triggers(op.get_bind())` after it. tests/search/test_search_index.py fails when a
trigger is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

KIND_SHIFT = 40
RECORD_MASK = (1 << KIND_SHIFT) - 1
SQLITE_TABLE = "search_fts"
POSTGRES_TABLE = "search_index"
# Every object of the index starts so; migrations/env.py leaves them out of autogenerate.
PREFIX = "search_"


@dataclass(frozen=True)
class Source:
    """A kind of record in the index: its table, its code in the id, what is its title and body.

    `title` and `body` are SQL in `{r}` (the row: NEW in a trigger, the table in a refill),
    written in SQL that SQLite and PostgreSQL both run.
    """

    kind: str
    code: int
    table: str
    title: str
    body: str
    watched: tuple[str, ...]


def _words(*expressions: str) -> str:
    return " || ' ' || ".join(f"coalesce({e}, '')" for e in expressions)


# The email's words: PostgreSQL's parser keeps "kari@nilu.no" as one token.
_EMAIL = "replace(replace(replace(replace({r}.email, '@', ' '), '.', ' '), '-', ' '), '_', ' ')"
_PHONE_DIGITS = "replace({r}.phone, '+', '')"
_PHONE_NATIONAL = "CASE WHEN {r}.phone LIKE '+47%' THEN substr({r}.phone, 4) END"

SOURCES = (
    Source(
        "companies",
        1,
        "companies",
        "{r}.name",
        _words("{r}.org_number", "{r}.description"),
        ("name", "org_number", "description"),
    ),
    Source(
        "contacts",
        2,
        "contacts",
        "{r}.name",
        _words(_EMAIL, _PHONE_DIGITS, _PHONE_NATIONAL),
        ("name", "email", "phone"),
    ),
    Source(
        "meetings",
        3,
        "meetings",
        "{r}.title",
        _words("{r}.notes", "{r}.location"),
        ("title", "notes", "location"),
    ),
    Source(
        "clusters",
        4,
        "clusters",
        "{r}.name",
        _words("{r}.focus", "{r}.description"),
        ("name", "focus", "description"),
    ),
    Source(
        "establishments",
        5,
        "establishment_cases",
        "''",
        _words("{r}.source", "{r}.notes", "{r}.lost_to_municipality"),
        ("source", "notes", "lost_to_municipality"),
    ),
    Source("tasks", 6, "tasks", "{r}.title", _words("{r}.description"), ("title", "description")),
)
SOURCE_BY_KIND = {source.kind: source for source in SOURCES}
SOURCE_BY_CODE = {source.code: source for source in SOURCES}


def key_sql(source: Source, row: str) -> str:
    """The index id of a row of `source`, in SQL."""
    return f"{source.code << KIND_SHIFT} + {row}.id"


def kind_range(source: Source) -> tuple[int, int]:
    """The first and last index id a kind can have."""
    return source.code << KIND_SHIFT, (source.code << KIND_SHIFT) + RECORD_MASK


def split_key(key: int) -> tuple[Source, int]:
    """The kind and the record id of an index id."""
    return SOURCE_BY_CODE[key >> KIND_SHIFT], key & RECORD_MASK


def kind_filter(source: Source) -> str:
    """The SQL condition "this row is of `source`'s kind" that its partial GIN index is made
    on; a query must write the same condition (PostgreSQL matches it as written) to use it."""
    return f"(id >> {KIND_SHIFT}) = {source.code}"


def kind_index_name(source: Source) -> str:
    """The name of `source`'s partial GIN index (PostgreSQL)."""
    return f"{PREFIX}document_{source.code}"


# PostgreSQL: the organisations' rows (1.8 million at the national scale) also in GIN indexes
# by chunk of 2**CHUNK_SHIFT record ids, CHUNKS of them (the last one open-ended), so that a
# common word's hits are counted and the newest found chunk by chunk rather than from a bitmap
# of every hit (crm/search/queries.py). Migration 9d4b2f7a1c63.
CHUNK_SHIFT = 18
CHUNKS = 8
CHUNKED_KINDS = ("companies",)


def chunk_filters(source: Source) -> list[str]:
    """The SQL conditions of `source`'s chunks, newest first: each is its partial GIN index's
    predicate, and a query writes it the same to use that index. `(id >> CHUNK_SHIFT)` is no
    btree's key, so the planner cannot walk the primary key instead."""
    first = source.code << (KIND_SHIFT - CHUNK_SHIFT)
    conditions = [f"{kind_filter(source)} AND (id >> {CHUNK_SHIFT}) >= {first + CHUNKS - 1}"]
    conditions += [
        f"{kind_filter(source)} AND (id >> {CHUNK_SHIFT}) = {first + n}"
        for n in reversed(range(CHUNKS - 1))
    ]
    return conditions


def chunk_index_names(source: Source) -> list[str]:
    """The names of `source`'s chunks' GIN indexes, in chunk_filters' order."""
    return [f"{PREFIX}document_{source.code}_{n}" for n in reversed(range(CHUNKS))]


def create_chunk_indexes(connection: Connection) -> None:
    """PostgreSQL: the chunks' partial GIN indexes of CHUNKED_KINDS."""
    for kind in CHUNKED_KINDS:
        source = SOURCE_BY_KIND[kind]
        for name, condition in zip(chunk_index_names(source), chunk_filters(source), strict=True):
            _create_partial_gin(connection, name, condition)


def _create_partial_gin(connection: Connection, name: str, condition: str) -> None:
    """A GIN index on the documents of the rows that meet `condition` (names and conditions
    from this module's constants)."""
    connection.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {name} ON {POSTGRES_TABLE} "
            f"USING gin (document) WHERE {condition}"
        )
    )


def drop_chunk_indexes(connection: Connection) -> None:
    """PostgreSQL: no chunks' indexes (a migration's downgrade)."""
    for kind in CHUNKED_KINDS:
        for name in chunk_index_names(SOURCE_BY_KIND[kind]):
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))


def create_kind_indexes(connection: Connection) -> None:
    """PostgreSQL: one partial GIN index per kind, in place of the first one for the table."""
    connection.execute(text(f"DROP INDEX IF EXISTS {PREFIX}document"))
    for source in SOURCES:
        _create_partial_gin(connection, kind_index_name(source), kind_filter(source))


def drop_kind_indexes(connection: Connection) -> None:
    """PostgreSQL: back to one GIN index for the whole table (a migration's downgrade)."""
    for source in SOURCES:
        connection.execute(text(f"DROP INDEX IF EXISTS {kind_index_name(source)}"))
    connection.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {PREFIX}document ON {POSTGRES_TABLE} USING gin (document)"
        )
    )


def _trigger_names(source: Source) -> list[str]:
    return [f"{PREFIX}{source.table}_{op}" for op in ("insert", "update", "delete")]


def trigger_names(dialect: str) -> set[str]:
    """The names of the triggers that keep the index (to check they are all there)."""
    if dialect == "sqlite":
        return {name for source in SOURCES for name in _trigger_names(source)}
    return {f"{PREFIX}{source.table}" for source in SOURCES}


def _sqlite_insert(source: Source, row: str) -> str:
    r = row
    return (
        f"INSERT INTO {SQLITE_TABLE} (rowid, title, body) SELECT "
        f"{key_sql(source, r)}, {source.title.format(r=r)}, "
        f"{source.body.format(r=r)}"
    )


def _postgres_insert(source: Source, row: str) -> str:
    r = row
    return (
        f"INSERT INTO {POSTGRES_TABLE} (id, title, body, document) SELECT id, t, b, "  # nosec B608 (names from this module's constants; values are bound)
        "setweight(to_tsvector('norwegian', t), 'A') "
        "|| setweight(to_tsvector('norwegian', b), 'B') "
        f"FROM (SELECT {key_sql(source, r)} AS id, "
        f"coalesce({source.title.format(r=r)}, '') AS t, {source.body.format(r=r)} AS b"
        + (f" FROM {r}" if r != "NEW" else "")
        + ") AS s"
    )


def _sqlite_triggers(source: Source) -> list[str]:
    insert, update, delete = _trigger_names(source)
    key = key_sql(source, "old")
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {source.table} BEGIN "
        f"{_sqlite_insert(source, 'new')}; END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(source.watched)} "  # nosec B608 (names from this module's constants; values are bound)
        f"ON {source.table} BEGIN DELETE FROM {SQLITE_TABLE} WHERE rowid = {key}; "
        f"{_sqlite_insert(source, 'new')}; END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {source.table} BEGIN "  # nosec B608 (names from this module's constants; values are bound)
        f"DELETE FROM {SQLITE_TABLE} WHERE rowid = {key}; END",
    ]


def _postgres_triggers(source: Source) -> list[str]:
    name = f"{PREFIX}{source.table}"
    key = key_sql(source, "OLD")
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # nosec B608 (names from this module's constants; values are bound)
        f"IF TG_OP <> 'INSERT' THEN DELETE FROM {POSTGRES_TABLE} WHERE id = {key}; "
        "END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_postgres_insert(source, 'NEW')}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(source.watched)} "
        f"ON {source.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def drop_triggers(connection: Connection) -> None:
    """Drop the triggers (and on PostgreSQL their functions), if they are there."""
    for source in SOURCES:
        if connection.dialect.name == "sqlite":
            for name in _trigger_names(source):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            name = f"{PREFIX}{source.table}"
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {source.table}"))
            connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))


def create_triggers(connection: Connection) -> None:
    """(Re)create the triggers that keep the index in step with SOURCES' tables."""
    drop_triggers(connection)
    for source in SOURCES:
        make = _sqlite_triggers if connection.dialect.name == "sqlite" else _postgres_triggers
        for statement in make(source):
            connection.execute(text(statement))
    # The other triggers on these tables, so that one call after a batch migration keeps all.
    from crm.common.reference import REFERENCE
    from crm.contacts import last_met
    from crm.meetings import company_starts, strategy_sets
    from crm.network import version

    last_met.TRIGGERS.recreate(connection)
    strategy_sets.TRIGGERS.recreate(connection)
    company_starts.TRIGGERS.recreate(connection)
    version.recreate_triggers(connection)
    REFERENCE.recreate_triggers(connection)


def create_index(connection: Connection) -> None:
    """Create the index table (empty), then the triggers."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(
                f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(title, body, "
                "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')"
            )
        )
    else:
        connection.execute(
            text(
                f"CREATE TABLE {POSTGRES_TABLE} (id bigint PRIMARY KEY, title text NOT NULL, "
                "body text NOT NULL, document tsvector NOT NULL)"
            )
        )
        create_kind_indexes(connection)
    create_triggers(connection)


def drop_index(connection: Connection) -> None:
    """Drop the triggers and the index table."""
    drop_triggers(connection)
    table = SQLITE_TABLE if connection.dialect.name == "sqlite" else POSTGRES_TABLE
    connection.execute(text(f"DROP TABLE IF EXISTS {table}"))


def refill(connection: Connection) -> None:
    """Empty the index and index every record again (the migration, `flask crm search-reindex`)."""
    sqlite = connection.dialect.name == "sqlite"
    connection.execute(text(f"DELETE FROM {SQLITE_TABLE if sqlite else POSTGRES_TABLE}"))  # nosec B608 (names from this module's constants; values are bound)
    for source in SOURCES:
        insert = _sqlite_insert if sqlite else _postgres_insert
        statement = insert(source, source.table)
        if sqlite:
            statement += f" FROM {source.table}"
        connection.execute(text(statement))
    if not sqlite:
        # Fresh statistics (else the planner misjudges the kinds' id ranges), and the GIN
        # indexes' pending lists merged (else every search reads them row by row until
        # autovacuum).
        connection.execute(text(f"ANALYZE {POSTGRES_TABLE}"))
        for source in SOURCES:
            connection.execute(
                text(f"SELECT gin_clean_pending_list('{kind_index_name(source)}'::regclass)")
            )


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's autogenerate filter: the index (its table, FTS5's shadow tables, its GIN
    index) is not a model; its own migration creates it, so `flask db check` leaves it out."""
    return not (type_ in ("table", "index") and name and name.startswith(PREFIX))

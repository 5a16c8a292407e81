"""Column types and column sets shared by the domain models."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, Table, column, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so without this a value would come back naive on SQLite and aware
    on PostgreSQL, and comparing the two raises.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("A naive datetime cannot be stored; give it a time zone.")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def link_table(
    metadata, name: str, owner: tuple[str, str], other: tuple[str, str], *extra: Any
) -> Table:
    """A many-to-many table of two foreign keys, both the primary key, deleted with either side.

    `owner` and `other` are (column, table): the owner's column leads the key; the other side's
    column has its own index, for the reads from that side. `extra`: more columns and indexes
    (a column derived by triggers, never written by the ORM's relationship).
    """
    (owner_column, owner_table), (other_column, other_table) = owner, other
    return Table(
        name,
        metadata,
        Column(owner_column, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column(
            other_column,
            ForeignKey(f"{other_table}.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
        *extra,
    )


def enum_check(name: str, values: type[StrEnum]) -> CheckConstraint:
    """A CHECK keeping the coded column `name` to the enum's values: ck_<table>_<name>.

    Forms and services check the value already; the database refuses one that comes by another
    path (an import, a script, SQL by hand), which no label, filter or report would know.
    NULL passes a CHECK, so an optional column stays optional.
    """
    return CheckConstraint(
        column(name).in_([member.value for member in values]),
        name=name,
        info={"column": name, "enum": values},
    )


class Audited:
    """When and by whom a record was created and last changed, and its version.

    The version increases on every UPDATE (SQLAlchemy's version_id_col), so a concurrent flush
    fails instead of overwriting; edit forms compare it too (see common.forms.VersionedForm).
    """

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def current_actor_id() -> int | None:
    """The signed-in user's id inside a request, else None (CLI, background work)."""
    from flask import g, has_request_context

    if not has_request_context():
        return None
    # Only a user Flask-Login has already loaded: asking `current_user` here would load it,
    # and the loader itself flushes (last seen), which would re-enter this hook mid-flush.
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return int(user.id)
    return None


def stamp_actor(session: Session, _flush_context, _instances) -> None:
    """Record who created or changed each audited record in this flush."""
    actor = current_actor_id()
    if actor is None:
        return
    for obj in session.new:
        if isinstance(obj, Audited):
            obj.created_by_id = obj.created_by_id or actor
            obj.updated_by_id = actor
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            obj.updated_by_id = actor


def register_audit_listener() -> None:
    """Hook stamp_actor into every ORM session once."""
    if not event.contains(Session, "before_flush", stamp_actor):
        event.listen(Session, "before_flush", stamp_actor)


def render_migration_item(type_: str, obj, autogen_context):
    """Let Alembic write UTCDateTime as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False

"""The trash: deleted records with what hung on them, as rows, until restored or emptied."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class TrashItem(db.Model):
    """A deleted organisation, person, meeting, cluster or case, and every row that went with it.

    `rows` holds `{"table", "values"}` per row in the order they are inserted back (parents
    first), values as JSON (dates as ISO); `pointers` the rows elsewhere that pointed to one of
    them and were set to NULL by the deletion (`{"table", "id", "column", "value"}`), so that a
    restore puts the links back too.
    """

    __tablename__ = "trash"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(63), index=True)
    record_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rows: Mapped[list] = mapped_column(JSON, default=list)
    pointers: Mapped[list] = mapped_column(JSON, default=list)

    deleted_by: Mapped[User | None] = relationship()
    people: Mapped[list[TrashPerson]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )


class TrashPerson(db.Model):
    """A person a trash snapshot holds: their own record, an affiliation, a participation.

    The snapshots are JSON, which neither database searches alike; this index lets the
    restriction hide the entries that name a restricted person (GDPR art. 18) and an erasure
    find every snapshot it must erase the person from (art. 17) without reading the whole trash.
    `restricted` is whether the person's own record in the snapshot was restricted when it was
    deleted (a live person's restriction is read from `contacts`).
    """

    __tablename__ = "trash_people"

    trash_id: Mapped[int] = mapped_column(
        ForeignKey("trash.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[TrashItem] = relationship(back_populates="people")

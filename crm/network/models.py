"""Explicit collaboration links between organisations, and the admin-editable link types."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import Audited
from crm.extensions import db

if TYPE_CHECKING:
    from crm.companies.models import Company


class LinkType(Audited, db.Model):
    """A kind of collaboration: project, partnership, research collaboration, supplier, …"""

    __tablename__ = "link_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable key for code and exports (e.g. "project"); the name is what users see.
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CollaborationLink(Audited, db.Model):
    """Two organisations work together, seen by the department, with evidence.

    Stored once per pair with source_id < target_id (undirected); a directed relation such as
    supplier → customer or ownership keeps its direction in `directed`.
    """

    __tablename__ = "collaboration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    link_type_id: Mapped[int] = mapped_column(
        ForeignKey("link_types.id", ondelete="RESTRICT"), index=True
    )
    # True when the relation runs from source to target (supplier of, owner of, spin-off of).
    directed: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    source: Mapped[Company] = relationship(foreign_keys=[source_id])
    target: Mapped[Company] = relationship(foreign_keys=[target_id])
    link_type: Mapped[LinkType] = relationship()

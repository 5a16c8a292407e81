"""Organisations the department deals with, and the places and sectors they are tagged with."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.common.models import Audited, enum_check
from crm.common.urls import safe_link
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User


class CompanyKind(enum.StrEnum):
    """What kind of organisation it is."""

    COMPANY = "company"
    RESEARCH = "research"
    EDUCATION = "education"
    PUBLIC = "public"
    CLUSTER_ORGANISATION = "cluster_organisation"
    INCUBATOR = "incubator"
    VENUE = "venue"
    OTHER = "other"


class RegisterStatus(enum.StrEnum):
    """The organisation's status in the Brønnøysund register."""

    ACTIVE = "active"
    UNDER_LIQUIDATION = "under_liquidation"
    BANKRUPT = "bankrupt"
    DELETED = "deleted"


class IndustryStandard(enum.StrEnum):
    """Standard for næringsgruppering the industry code belongs to."""

    SN2007 = "SN2007"
    SN2025 = "SN2025"


class Place(Audited, db.Model):
    """A place in the municipality (Lillestrøm sentrum, Kjeller, Berger, …), admin-edited."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The strategy's goal: 90 % of new jobs in prioritised growth areas.
    growth_area: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Sector(Audited, db.Model):
    """A sector the strategy speaks of (klima, energi, helse, …); admins edit the list."""

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prioritised: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


company_sectors = Table(
    "company_sectors",
    db.Model.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
    # The sector filter starts from the sector (the primary key starts from the organisation).
    Index("ix_company_sectors_sector_id", "sector_id"),
)


class Company(Audited, db.Model):
    """An organisation: company, research institute, school, public body, cluster organisation …"""

    __tablename__ = "companies"
    __table_args__ = (
        enum_check("kind", CompanyKind),
        enum_check("register_status", RegisterStatus),
        enum_check("industry_standard", IndustryStandard),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    # Optional: planned and foreign organisations have none. Unique when present.
    org_number: Mapped[str | None] = mapped_column(String(9), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default=CompanyKind.COMPANY.value, index=True)
    org_form: Mapped[str | None] = mapped_column(String(10))
    industry_code: Mapped[str | None] = mapped_column(String(10))
    industry_standard: Mapped[str | None] = mapped_column(String(10))
    industry_description: Mapped[str | None] = mapped_column(String(300))
    # None means "not reported", which is not the same as zero.
    employees: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(4))
    post_town: Mapped[str | None] = mapped_column(String(100))
    municipality_number: Mapped[str | None] = mapped_column(String(4))
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="SET NULL"), index=True
    )
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    register_status: Mapped[str] = mapped_column(
        String(20), default=RegisterStatus.ACTIVE.value, index=True
    )
    # The last year whose annual accounts the register has (sisteInnsendteAarsregnskap).
    last_accounts_year: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    # The adviser who keeps in touch with the organisation ("kontaktansvarlig").
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    place: Mapped[Place | None] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    sectors: Mapped[list[Sector]] = relationship(
        secondary=company_sectors, order_by="Sector.position"
    )
    parent: Mapped[Company | None] = relationship(remote_side="Company.id")

    @property
    def website_link(self) -> str | None:
        """The website as a link target when it is a plain http(s) address, else None."""
        return safe_link(self.website)

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


def format_address(address: str | None, postcode: str | None, post_town: str | None) -> str | None:
    """One line of an address as the register gives it: "Storgata 1, 2000 Lillestrøm"."""
    town = " ".join(part for part in (postcode, post_town) if part)
    text = ", ".join(part for part in (address, town) if part)
    return text or None


# The one-line address a register point keeps (street, postcode and town together).
ADDRESS_LENGTH = 400


def history_values(values: dict) -> dict:
    """The register facts a history point keeps, from a company's column values."""
    return {
        "employees": values.get("employees"),
        "register_status": values.get("register_status"),
        "address": (
            format_address(values.get("address"), values.get("postcode"), values.get("post_town"))
            or ""
        )[:ADDRESS_LENGTH]
        or None,
        "industry_code": values.get("industry_code"),
    }


class RegisterPoint(db.Model):
    """The register's facts of an organisation as one import left them, kept when they changed.

    A register import writes a point when it creates the organisation, when one of these facts
    differs from what the database held, or when the organisation has no point yet; an import
    that finds the same values writes nothing, so the points are the organisation's history.
    """

    __tablename__ = "register_points"
    __table_args__ = (enum_check("register_status", RegisterStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # The import that found these values (None for generated demo history).
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    observed_on: Mapped[date] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)
    register_status: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH))
    industry_code: Mapped[str | None] = mapped_column(String(10))

    company: Mapped[Company] = relationship()

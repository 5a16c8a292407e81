"""Reading the trash."""

from __future__ import annotations

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.common.pagination import paginate
from crm.trash.models import TrashItem


def trash_page(session: Session, *, page: int, per_page: int) -> SelectPagination:
    """One page of the trash, the latest deleted first."""
    query = (
        select(TrashItem)
        .options(joinedload(TrashItem.deleted_by))
        .order_by(TrashItem.deleted_at.desc(), TrashItem.id.desc())
    )
    return paginate(session, query, page=page, per_page=per_page)

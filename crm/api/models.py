"""Personal API tokens: a user's key for scripts, Excel and Power BI."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.common.models import UTCDateTime, enum_check, utcnow
from crm.extensions import db


class TokenScope(enum.StrEnum):
    """What a token may do; a token never does more than its user's role allows."""

    READ = "read"
    WRITE = "write"


class ApiToken(db.Model):
    """A named, scoped, expiring key; only its keyed hash is stored (see crm.api.services)."""

    __tablename__ = "api_tokens"
    __table_args__ = (enum_check("scope", TokenScope),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10), default=TokenScope.READ.value)
    # The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def usable(self, now: datetime) -> bool:
        """Whether the token opens the API now: not revoked, not expired, its user active."""
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return bool(self.user.active)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.scope} user {self.user_id}>"

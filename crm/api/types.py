"""Bounded field types for request bodies: what the database can hold, and no more."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from crm.common.converters import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]


def text(max_length: int) -> type[str]:
    """A string of at most `max_length` characters."""
    return Annotated[str, StringConstraints(max_length=max_length)]  # type: ignore[return-value]

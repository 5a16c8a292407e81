"""Optimistic locking for edit forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.errors import StaleObjectError
from crm.common.models import Audited

# One refusal for every stale save, whether the form's version or the flush found it.
STALE_MESSAGE = _l(
    "Someone else saved this record after you opened it. Your changes are kept "
    "below; reload the page to see theirs, then save again."
)


def ensure_version(record: Audited, submitted: str | int | None) -> None:
    """Refuse a save made from a form loaded before the record's last change.

    version_id_col only catches two flushes racing; a form posted later reloads the row, so
    the version the form was loaded with must be compared here.
    """
    try:
        loaded = int(submitted) if submitted not in (None, "") else None
    except (TypeError, ValueError):
        loaded = None
    if loaded != record.version:
        raise StaleObjectError(None, STALE_MESSAGE)

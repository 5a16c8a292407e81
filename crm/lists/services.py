"""Writes of saved filters, and the check that turns stored arguments into ones a list takes."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import SelectFieldBase

from crm.common.errors import DomainError
from crm.lists import queries
from crm.lists.models import ListName, SavedFilter
from crm.lists.registry import LISTS

NAME_LENGTH = SavedFilter.__table__.c.name.type.length
# A list's arguments are a handful of short values; anything longer was not made by a list.
QUERY_LENGTH = 2000


def encode(args: MultiDict) -> str:
    """The arguments as a query string, in a stable order."""
    return urlencode(sorted(args.items(multi=True)))


def decode(query: str | None) -> MultiDict:
    """Stored arguments back as a MultiDict; what cannot be read is left out."""
    return MultiDict(parse_qsl(query or "", keep_blank_values=False))


def list_args(list_name: ListName, args: MultiDict) -> MultiDict:
    """The non-empty arguments the list reads, in the order given."""
    keys = LISTS[list_name].keys
    return MultiDict(
        (key, value) for key, value in args.items(multi=True) if key in keys and value.strip()
    )


def clean_args(
    session: Session, list_name: ListName, args: MultiDict
) -> tuple[MultiDict, list[str]]:
    """The arguments the list still takes, and a description of each part left out.

    A key the list no longer reads is left out, and so is a value its filter form refuses or
    that is no longer among a select's choices (a deleted place, a removed user).
    """
    spec = LISTS[list_name]
    dropped: list[str] = []
    kept = MultiDict()
    for key in args:
        if key in spec.keys:
            for value in args.getlist(key):
                kept.add(key, value)
        else:
            dropped.append(_("“%(name)s” (this list no longer has that filter)", name=key))
    form = spec.filter_form(session, kept)
    for field in form:
        name = field.short_name
        if name not in kept:
            continue
        invalid = bool(field.errors)
        if not invalid and isinstance(field, SelectFieldBase):
            allowed = {str(choice.value) for choice in field.iter_choices()}
            invalid = any(value not in allowed for value in kept.getlist(name))
        if invalid:
            kept.poplist(name)
            dropped.append(_("%(label)s (the value is no longer valid)", label=field.label.text))
    return kept, dropped


def keep_last(
    session: Session,
    *,
    last: queries.FilterLine | None,
    user_id: int,
    list_name: ListName,
    args: MultiDict,
) -> bool:
    """Keep the arguments as the user's last filter of the list (`last`, already read: None
    when there is none); False when it was unchanged."""
    query = encode(args)[:QUERY_LENGTH]
    if last is None:
        session.add(SavedFilter(owner_id=user_id, list_name=list_name.value, query=query))
        session.flush()
    elif last.query != query:
        # Read as columns (crm.lists.queries): written by its id. Saved filters keep no
        # history (crm.history.tracking); updated_at's onupdate applies to this statement too.
        session.execute(update(SavedFilter).where(SavedFilter.id == last.id).values(query=query))
    else:
        return False
    return True


def forget_last(session: Session, *, user_id: int, list_name: ListName) -> None:
    """Forget the user's last filter of the list: it opens unfiltered."""
    last = queries.last_filter(session, user_id=user_id, list_name=list_name)
    if last is not None:
        session.delete(last)
        session.flush()


def save_filter(
    session: Session,
    *,
    user_id: int,
    list_name: ListName,
    name: str,
    args: MultiDict,
    shared: bool = False,
) -> SavedFilter:
    """Save the list's arguments under a name; the user's filter of that name is replaced."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name", _l("Give the filter a name."))
    if len(name) > NAME_LENGTH:
        raise DomainError("name", _l("At most %(n)d characters.", n=NAME_LENGTH))
    args = list_args(list_name, args)
    if not args:
        raise DomainError("name", _l("Choose a filter first: this one would show the whole list."))
    query = encode(args)
    if len(query) > QUERY_LENGTH:
        raise DomainError("name", _l("This filter is too long to save."))
    same = next(
        (
            f
            for f in queries.visible_filters(session, user_id=user_id, list_name=list_name)
            if f.owner_id == user_id and f.name.casefold() == name.casefold()
        ),
        None,
    )
    saved = same or SavedFilter(owner_id=user_id, list_name=list_name.value)
    saved.name, saved.query, saved.shared = name, query, bool(shared)
    session.add(saved)
    session.flush()
    return saved


def set_shared(session: Session, *, saved: SavedFilter, shared: bool) -> SavedFilter:
    """Share the filter with the department, or make it private again."""
    saved.shared = bool(shared)
    session.flush()
    return saved


def delete_filter(session: Session, *, saved: SavedFilter) -> None:
    """Delete a saved filter."""
    session.delete(saved)
    session.flush()

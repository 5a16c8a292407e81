"""GDPR art. 18: a restricted person is out of sight for everyone but admins.

One rule for every read instead of a WHERE in each query: every ORM SELECT that touches
`Contact` (as an entity, a column or a join, and the relationship loads that follow from it)
gets `contacts.restricted_at IS NULL` through `with_loader_criteria`, unless

- an admin is signed in to the request (admins see restricted people, marked, to lift it), or
- the statement opts in with `.execution_options(include_restricted=True)` (the restriction,
  retention and erasure services, which must find the person).

The trash holds deleted records as snapshots, not as `Contact` rows: a snapshot that names a
restricted person (their own record, an affiliation, a participation; indexed in
`trash_people`) is hidden by the same rule, so a trashed restricted person's name does not
show in the trash list.

A statement that sets `hide_restricted=True` hides them even from admins: the network's reads do,
because its figures are cached and shared by every user. Reads outside a request (CLI, background
jobs) hide them too, the safe default, except in a session opened by `reader_session` for a
response that streams after its request (a CSV export): it reads for the request's reader.
Core statements over plain tables (meeting_contacts counts) are not ORM reads and keep
counting rows; they show no personal data.
"""

from __future__ import annotations

from functools import cache, lru_cache

from flask import g, has_request_context
from sqlalchemy import Engine, Executable, event, exists, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from crm.common.statements import ORM_READ_TABLES, READER_VIEWS, STATEMENTS_KEPT
from crm.contacts.models import Contact
from crm.trash.models import TrashItem, TrashPerson

# The tables of the entities _criteria() restricts (a test compares them).
RESTRICTED_TABLES = frozenset({Contact.__tablename__, TrashItem.__tablename__})
INCLUDE = "include_restricted"
HIDE = "hide_restricted"
# Session.info key: the session reads for an admin (set by reader_session, in the request).
ADMIN_READER = "restriction_admin_reader"


def reader_is_admin() -> bool:
    """Whether this request's reader is an admin: a signed-in user or an API token's user."""
    # Only a user Flask-Login has already loaded (see common.models.current_actor_id): asking
    # `current_user` here would run the user loader, a query, inside this hook.
    if not has_request_context():
        return False
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated and user.is_admin)


def reader_session(engine: Engine) -> Session:
    """A session of its own for rows read after the request (a streamed file), for its reader.

    Call it inside the request: the reader is decided then, not when the rows are read.
    """
    return Session(engine, info={ADMIN_READER: reader_is_admin()})


def _admin_reader(session: Session) -> bool:
    if has_request_context():
        return reader_is_admin()
    return bool(session.info.get(ADMIN_READER))


def hide_restricted(state: ORMExecuteState) -> None:
    """Add the restriction's criteria to an ORM SELECT unless the reader may see them."""
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    options = state.execution_options
    if options.get(INCLUDE):
        return
    if not options.get(HIDE) and _admin_reader(state.session):
        return
    state.statement = _restricted(state.statement)


@lru_cache(maxsize=STATEMENTS_KEPT)
def _restricted(statement: Executable) -> Executable:
    # Kept by the statement's identity, as crm.common.pagination keeps a list's count: a
    # statement built once (crm.common.statements) gets the same restricted copy back, with
    # its cache key worked out already; a new copy per execution made SQLAlchemy walk the
    # whole statement for its key every time, for every reader who is not an admin.
    return statement.options(*_criteria())


@cache
def _criteria() -> tuple[LoaderCriteriaOption, ...]:
    # Built once and shared by every statement: building them per statement (each wraps its
    # function as a deferred lambda) was half the hook's cost, some 0.1 ms per ORM SELECT.
    # Options are immutable; the criteria are resolved per entity when a statement compiles.
    return (
        with_loader_criteria(Contact, _not_restricted, include_aliases=True),
        with_loader_criteria(TrashItem, _no_restricted_person, include_aliases=True),
    )


def _not_restricted(cls):
    return cls.restricted_at.is_(None)


def _no_restricted_person(cls):
    # Plain tables inside: an ORM Contact here would itself get the criteria above.
    people = TrashPerson.__table__
    contacts = Contact.__table__
    restricted = select(contacts.c.id).where(contacts.c.restricted_at.is_not(None))
    return ~exists().where(
        people.c.trash_id == cls.id,
        or_(people.c.restricted, people.c.contact_id.in_(restricted)),
    )


def register_restriction_listener() -> None:
    """Hook hide_restricted into every ORM session once; reads of the tables it hides always
    go through the session (crm.common.statements.read), and what is kept of them is kept per
    view: an admin's and everyone else's (crm.common.statements.reader_view)."""
    ORM_READ_TABLES.update(RESTRICTED_TABLES)
    if _admin_reader not in READER_VIEWS:
        READER_VIEWS.append(_admin_reader)
    if not event.contains(Session, "do_orm_execute", hide_restricted):
        event.listen(Session, "do_orm_execute", hide_restricted)

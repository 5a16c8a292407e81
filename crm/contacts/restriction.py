"""GDPR art. 18: a restricted person is out of sight for everyone but admins.

One rule for every read instead of a WHERE in each query: every ORM SELECT that touches
`Contact` (as an entity, a column or a join, and the relationship loads that follow from it)
gets `contacts.restricted_at IS NULL` through `with_loader_criteria`, unless

- an admin is signed in to the request (admins see restricted people, marked, to lift it), or
- the statement opts in with `.execution_options(include_restricted=True)` (the restriction,
  retention and erasure services, which must find the person).

A statement that sets `hide_restricted=True` hides them even from admins: the network's reads do,
because its figures are cached and shared by every user. Reads outside a request (CLI, background
jobs) hide them too, the safe default. Core statements over plain tables (meeting_contacts
counts) are not ORM reads and keep counting rows; they show no personal data.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from crm.contacts.models import Contact

INCLUDE = "include_restricted"
HIDE = "hide_restricted"


def _admin_request() -> bool:
    # Only a user Flask-Login has already loaded (see common.models.current_actor_id): asking
    # `current_user` here would run the user loader, a query, inside this hook.
    if not has_request_context():
        return False
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated and user.is_admin)


def hide_restricted(state: ORMExecuteState) -> None:
    """Add the restriction's criteria to an ORM SELECT unless the reader may see them."""
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    options = state.execution_options
    if options.get(INCLUDE):
        return
    if not options.get(HIDE) and _admin_request():
        return
    state.statement = state.statement.options(
        with_loader_criteria(Contact, lambda cls: cls.restricted_at.is_(None), include_aliases=True)
    )


def register_restriction_listener() -> None:
    """Hook hide_restricted into every ORM session once."""
    if not event.contains(Session, "do_orm_execute", hide_restricted):
        event.listen(Session, "do_orm_execute", hide_restricted)

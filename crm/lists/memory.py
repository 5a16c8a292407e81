"""What a list page does first: restore or keep the user's last filter, and the panel beside it.

memory = remember_list(ListName.COMPANIES)
if not isinstance(memory, ListPanel):
    return memory  # the redirect to the restored filter
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from crm.extensions import db
from crm.lists import queries, services
from crm.lists.forms import BulkStartForm, SaveFilterForm
from crm.lists.models import ListName
from crm.lists.registry import LISTS

RESET = "reset"


@dataclass
class ListPanel:
    """The list's saved filters, the form to save the current one, and the reset link."""

    list_name: ListName
    filtered: bool
    query: str
    saved: list[queries.FilterLine] = field(default_factory=list)
    save_form: SaveFilterForm | None = None

    @property
    def reset_url(self) -> str:
        """The list without filters, forgetting the last one."""
        return url_for(LISTS[self.list_name].endpoint, **{RESET: "1"})

    def can_change(self, saved: queries.FilterLine) -> bool:
        """Whether the user may share, unshare or delete the filter."""
        return saved.owner_id == current_user.id or current_user.is_admin


def list_url(list_name: ListName, args) -> str:
    """The list's address with these arguments."""
    base = url_for(LISTS[list_name].endpoint)
    query = services.encode(args)
    return f"{base}?{query}" if query else base


def open_filter(list_name: ListName, args, *, what: str) -> Response:
    """Go to the list with stored arguments, saying which parts were left out and why."""
    kept, dropped = services.clean_args(db.session, list_name, args)
    if dropped:
        flash(
            _("%(what)s: left out %(parts)s.", what=what, parts="; ".join(dropped)),
            "warning",
        )
    return redirect(list_url(list_name, kept))


def remember_list(list_name: ListName) -> ListPanel | Response:
    """Restore the last filter (no arguments), forget it (reset), or keep the one asked for."""
    user_id = current_user.id
    if request.args.get(RESET):
        services.forget_last(db.session, user_id=user_id, list_name=list_name)
        db.session.commit()
        return redirect(url_for(LISTS[list_name].endpoint))
    args = services.list_args(list_name, request.args)
    # The last filter and the panel's saved filters in one statement.
    last, saved = queries.last_and_visible_filters(db.session, user_id=user_id, list_name=list_name)
    if not request.args:
        stored = services.decode(last.query if last else "")
        if stored:
            return open_filter(list_name, stored, what=_("Your last filter"))
    # A commit expires the session's objects (the signed-in user among them, read again by
    # the page): only when there is something to commit. (The saved filters are columns:
    # nothing of them expires.)
    elif (args or "page" not in request.args) and services.keep_last(
        db.session, last=last, user_id=user_id, list_name=list_name, args=args
    ):
        db.session.commit()
    query = services.encode(args)
    return ListPanel(
        list_name=list_name,
        filtered=bool(args),
        query=query,
        saved=saved,
        # Only a filtered list offers to save its filter: no form to build for the plain list.
        save_form=SaveFilterForm(formdata=None, query=query) if args else None,
    )


def bulk_panel(list_name: ListName) -> BulkStartForm | None:
    """The form that starts a bulk action on the chosen rows, for users who may edit."""
    from crm.lists.bulk import ACTIONS  # the features' services, which import their routes

    if list_name not in ACTIONS or not current_user.can_edit:
        return None
    form = BulkStartForm(formdata=None)
    # Labels translated here, once each (a lazy label is translated again on every use).
    form.action.choices = [
        SelectChoice(key, str(action.label)) for key, action in ACTIONS[list_name].items()
    ]
    return form

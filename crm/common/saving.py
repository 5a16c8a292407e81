"""The one way a route saves: run the services, commit once, or show the refusal on the form.

    if form.validate_on_submit():
        with saving(form) as saved:
            company = services.create_company(db.session, **form.values())
        if saved.ok:
            flash(...)
            return redirect(...)
    return render_template(...)  # the form, with the refusal on its field and the input kept

A stale save is refused the same way however it shows: the form's version is older
(`ensure_version`), or two saves raced past that check and the second UPDATE matched no row of
the version it read (SQLAlchemy's StaleDataError, at a flush or at the commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from crm.common.errors import DomainError, StaleObjectError
from crm.common.forms import show_domain_error
from crm.common.versioning import STALE_MESSAGE
from crm.extensions import db


@dataclass
class Saved:
    """What became of a save: `ok` after the commit, else the refusal in `error`."""

    ok: bool = False
    error: DomainError | None = None


@contextmanager
def saving(
    form: FlaskForm | None = None, *, show: Callable[[DomainError], None] | None = None
) -> Iterator[Saved]:
    """Commit what the block does, once; on a refusal roll back and show it.

    The refusal goes to `show` when given, else onto `form` (beside its field), else, for an
    action without a form (a button), into a flashed message.
    """
    saved = Saved()
    try:
        yield saved
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        saved.error = StaleObjectError(None, STALE_MESSAGE)
    except DomainError as error:
        db.session.rollback()
        saved.error = error
    else:
        saved.ok = True
        return
    if show is not None:
        show(saved.error)
    elif form is not None:
        show_domain_error(form, saved.error)
    else:
        flash(str(saved.error.message), "danger")

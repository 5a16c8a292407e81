"""Flask-Login wiring: a session is valid only while its server-side record is."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth import services
from crm.auth.models import User
from crm.auth.services import METHOD_PROVIDER, SESSION_TOKEN_KEY, SIGN_IN_METHOD_KEY
from crm.common.access import Access, own_guard, view_access
from crm.extensions import db, login_manager

# Views a user with a one-time password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"account.password", "account.language", "auth.logout", "static"}


def load_user(user_id: str) -> User | None:
    """The user of this request's session, if the session is still live."""
    if (
        own_guard(current_app, request.blueprint) is not None
        and view_access(current_app, request.endpoint) is not Access.PUBLIC
    ):
        # The API authenticates by token only: a browser's cookie must not sign its writes.
        # (Its public pages, the docs, show the signed-in header like any other page.)
        return None
    try:
        uid = int(user_id)
    except ValueError:
        return None
    user = services.resume_session(
        db.session,
        user_id=uid,
        token=session.get(SESSION_TOKEN_KEY),
        idle=current_app.config["PERMANENT_SESSION_LIFETIME"],
        absolute=current_app.config["SESSION_ABSOLUTE_LIFETIME"],
    )
    if db.session.dirty:
        # last_seen or a revocation: commit now, before the view starts its own unit of work.
        db.session.commit()
        # And send the cookie again: its idle lifetime starts over with last_seen's (the
        # cookie is not refreshed on every response, see SESSION_REFRESH_EACH_REQUEST).
        session.modified = True
    return user


def require_password_change():
    """Send a user with a one-time password to change it before anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
    ):
        return redirect(url_for("account.password"))
    return None


# Views an admin who signed in with a password but has no second factor yet may still reach.
_ALLOWED_BEFORE_TWO_FACTOR = {
    "account.two_factor",
    "account.two_factor_start",
    "account.two_factor_setup",
    "account.two_factor_qr",
    "account.password",
    "account.language",
    "auth.logout",
    "static",
}


def require_two_factor():
    """Lead an admin who signed in with a password alone to set up the second factor first.

    Sign-ins through the municipality's provider are left alone: the provider asks its own.
    """
    if (
        current_user.is_authenticated
        and current_user.is_admin
        and not current_user.has_two_factor
        and not current_user.must_change_password  # their own password first, then the code
        and current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"]
        and session.get(SIGN_IN_METHOD_KEY) != METHOD_PROVIDER
        and request.endpoint not in _ALLOWED_BEFORE_TWO_FACTOR
    ):
        flash(
            _("Administrators sign in in two steps: set up your code app before you go on."),
            "warning",
        )
        return redirect(url_for("account.two_factor"))
    return None


def init_login(app: Flask) -> None:
    """Bind Flask-Login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.before_request(require_password_change)
    app.before_request(require_two_factor)

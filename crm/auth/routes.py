"""Sign in and sign out, and choose one's own password from an invitation link."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from crm.auth import bp, services
from crm.auth.forms import ChoosePasswordForm, LoginForm
from crm.common.access import public
from crm.common.saving import saving
from crm.common.urls import is_safe_redirect
from crm.extensions import db, limiter


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ADDRESS"]


def _account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"]


def _account_key() -> str:
    """The account a sign-in tries, as the email it is looked up by (hashed: no emails in Redis)."""
    email = services.normalise_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _failed(response) -> bool:
    # Only a refused password counts: signing in, or a form sent half-filled, costs nothing.
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
@public
def login():
    """Show the sign-in form and sign the user in."""
    next_url = request.args.get("next")
    if not is_safe_redirect(next_url):
        next_url = None
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, email=form.email.data, password=form.password.data)
        if user is None:
            # One message whatever was wrong, so the form does not reveal which emails exist.
            current_app.logger.info("Failed sign-in")
            form.form_errors.append(_("Wrong email or password."))
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session at sign-in: no fixation
            if locale:
                session["locale"] = locale
            session[services.SESSION_TOKEN_KEY] = services.start_session(db.session, user=user)
            session.permanent = True
            db.session.commit()
            login_user(user)
            return redirect(next_url or url_for("home.index"))
    status = 200
    if form.is_submitted():
        status = 401 if form.form_errors else 400
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Sign out and revoke the server-side session."""
    services.end_session(db.session, token=session.get(services.SESSION_TOKEN_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    # The next page tells the browser to forget every unsaved draft (static/js/drafts.js).
    flash("all", "drafts-clear")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public  # the one-time token in the address is the authentication
def invitation(token: str):
    """Choose one's own password from the link in an invitation; the link works once."""
    state, found = services.find_invitation(db.session, token)
    if state is not services.InvitationState.VALID:
        response = render_template("auth/invitation_invalid.html", state=state.value)
        status = 404 if state is services.InvitationState.UNKNOWN else 410
        return _private(response, status)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.accept_invitation(
                db.session, invitation=found, password=form.new_password.data
            )
        if saved.ok:
            flash(_("Your password is saved. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    response = render_template("auth/invitation.html", form=form, user=found.user)
    return _private(response, 400 if form.errors else 200)


def _private(body: str, status: int):
    """A page reached by a secret link: never cached, and the link never sent on as a referrer."""
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

"""Sign in and sign out, and choose one's own password from an invitation link."""

from __future__ import annotations

import hashlib
import time

import requests
from authlib.integrations.base_client import OAuthError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from joserfc.errors import JoseError

from crm.auth import bp, oidc, services, twofactor
from crm.auth.forms import ChoosePasswordForm, CodeForm, LoginForm
from crm.auth.models import User
from crm.auth.services import METHOD_PASSWORD, METHOD_PROVIDER, SIGN_IN_METHOD_KEY
from crm.common.access import public
from crm.common.models import utcnow
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


# The session keys of the sign-in steps: whose code is awaited, where to go after the provider.
PENDING_KEY = "two_factor_pending"
PROVIDER_NEXT_KEY = "provider_next"


def _failed(response) -> bool:
    # Only a refused password counts: signing in, or a form sent half-filled, costs nothing.
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
@public
def login():
    """Show the sign-in form and sign the user in (or on to the code, with a second factor)."""
    next_url = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    password_on = oidc.password_sign_in_on(current_app.config)
    form = LoginForm()
    if request.method == "POST" and not password_on:
        form.validate_on_submit()  # the CSRF check still runs
        form.form_errors.append(
            _("Sign-in with a password is off. Use the municipality's account.")
        )
        return _login_page(form, next_url, password_on), 403
    if form.validate_on_submit():
        user = services.authenticate(db.session, email=form.email.data, password=form.password.data)
        if user is None:
            # One message whatever was wrong, so the form does not reveal which emails exist.
            current_app.logger.info("Failed sign-in")
            form.form_errors.append(_("Wrong email or password."))
        elif user.has_two_factor:
            db.session.rollback()  # the sign-in counts once the code is right
            _fresh_session()
            session[PENDING_KEY] = {"user": user.id, "at": time.time(), "next": next_url}
            return redirect(url_for("auth.two_factor"))
        else:
            return _complete_sign_in(user, next_url, method=METHOD_PASSWORD)
    status = 200
    if form.is_submitted():
        status = 401 if form.form_errors else 400
    return _login_page(form, next_url, password_on), status


def _login_page(form: LoginForm, next_url: str | None, password_on: bool) -> str:
    return render_template(
        "auth/login.html",
        form=form,
        next_url=next_url,
        password_on=password_on,
        provider_on=oidc.provider_settings(current_app.config) is not None,
    )


def _safe_next(next_url: str | None) -> str | None:
    return next_url if is_safe_redirect(next_url) else None


def _fresh_session() -> None:
    """A new session at every step of signing in (no fixation); only the language survives."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def _complete_sign_in(user, next_url: str | None, *, method: str):
    """Open the server-side session and go on to where the user was going."""
    _fresh_session()
    session[services.SESSION_TOKEN_KEY] = services.start_session(db.session, user=user)
    session[SIGN_IN_METHOD_KEY] = method
    session.permanent = True
    db.session.commit()
    login_user(user)
    return redirect(next_url or url_for("home.index"))


# --- the second step: a code from the app, or a recovery code -----------------------------


def _pending_user():
    """The user whose password was right and whose code is awaited, if that is recent."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    lifetime = current_app.config["TWO_FACTOR_PENDING_LIFETIME"].total_seconds()
    if time.time() - float(pending.get("at", 0)) > lifetime:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or not user.has_two_factor:
        return None
    return user


def _code_address_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT_ADDRESS"]


def _code_account_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT_ACCOUNT"]


def _code_account_key() -> str:
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"two-factor:{user_id}"


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(
    _code_address_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed
)
@limiter.limit(
    _code_account_limit, methods=["POST"], key_func=_code_account_key, deduct_when=_failed
)
@public  # the password was checked in the step before; the session says whose code is awaited
def two_factor():
    """Ask for the code from the app (or a recovery code) after a right password."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Sign in again: the step with the code took too long or was not started."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if services.check_second_factor(
            db.session,
            user=user,
            code=form.code.data,
            secret_keys=twofactor.app_secret_keys(current_app.config),
        ):
            user.last_login_at = utcnow()
            return _complete_sign_in(
                user, _safe_next(session[PENDING_KEY].get("next")), method=METHOD_PASSWORD
            )
        db.session.rollback()
        current_app.logger.info("Failed second factor")
        form.code.errors = [*form.code.errors, _("The code is wrong or used already.")]
        return render_template("auth/code.html", form=form), 401
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


# --- sign-in through the municipality's identity provider ---------------------------------


@bp.route("/provider")
@public
def provider_login():
    """Send the browser to the municipality's sign-in (a GET: the CSP allows no form to leave)."""
    provider = oidc.client()
    if provider is None:
        abort(404)
    next_url = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    _fresh_session()
    if next_url:
        session[PROVIDER_NEXT_KEY] = next_url
    oidc.mark_started(session)
    try:
        return provider.authorize_redirect(url_for("auth.provider_callback", _external=True))
    except (OSError, requests.RequestException, ValueError) as error:
        current_app.logger.warning("Identity provider not reachable: %s", error)
        return _provider_refused(
            _("The municipality's sign-in cannot be reached now. Try again in a while."), 502
        )


@bp.route("/provider/callback")
@public  # the provider's answer, checked against the state and nonce kept in the session
def provider_callback():
    """Take the provider's answer: check it, find or create the user, sign them in."""
    provider = oidc.client()
    if provider is None:
        abort(404)
    if oidc.answered_too_late(session):
        # The code is not even sent: the provider would (or should) refuse it as expired.
        current_app.logger.info("Provider sign-in answered too late")
        return _provider_refused(_PROVIDER_EXPIRED, 401)
    try:
        token = provider.authorize_access_token()
    except OAuthError as error:
        current_app.logger.info("Provider sign-in refused: %s", error.error)
        if error.error == "access_denied":
            return _provider_refused(_("The sign-in at the municipality was cancelled."), 401)
        if error.error == "invalid_grant":
            # The provider no longer takes the code: it expired, or was used already.
            return _provider_refused(_PROVIDER_EXPIRED, 401)
        return _provider_refused(_PROVIDER_FAILED, 401)
    except JoseError as error:
        # A wrong nonce, an expired or forged ID token.
        current_app.logger.warning("Provider ID token refused: %s", error)
        return _provider_refused(_PROVIDER_FAILED, 401)
    except (OSError, requests.RequestException, ValueError) as error:
        current_app.logger.warning("Identity provider not reachable: %s", error)
        return _provider_refused(
            _("The municipality's sign-in cannot be reached now. Try again in a while."), 502
        )
    claims = token.get("userinfo")
    if not claims:
        return _provider_refused(_PROVIDER_FAILED, 401)
    settings = oidc.provider_settings(current_app.config)
    try:
        user = services.sign_in_with_provider(
            db.session,
            issuer=settings.issuer,
            claims=dict(claims),
            group_roles=settings.group_roles,
            groups_claim=settings.groups_claim,
        )
    except services.ProviderRefusal as refusal:
        db.session.rollback()
        current_app.logger.info("Provider sign-in refused by Koblingsboks")
        return _provider_refused(refusal.message, 403)
    next_url = _safe_next(session.get(PROVIDER_NEXT_KEY))
    return _complete_sign_in(user, next_url, method=METHOD_PROVIDER)


_PROVIDER_FAILED = _l(
    "The sign-in through the municipality could not be completed (the answer did not match this "
    "sign-in, or had expired). Start again from the sign-in page."
)


_PROVIDER_EXPIRED = _l(
    "The sign-in through the municipality took too long, or its answer was used already, so "
    "it has expired. Start again from the sign-in page."
)


def _provider_refused(message, status: int):
    _fresh_session()
    return render_template("auth/provider_refused.html", message=message), status


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

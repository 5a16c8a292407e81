"""The signed-in user's own settings."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.account import bp
from crm.account.forms import LanguageForm, PasswordForm, RevokeTokenForm, TokenForm
from crm.api import queries as api_queries
from crm.api import services as api_services
from crm.api.labels import TOKEN_SCOPE
from crm.api.models import TokenScope
from crm.auth import services as auth_services
from crm.auth.services import SESSION_TOKEN_KEY
from crm.common.access import Role, public, read_access
from crm.common.models import utcnow
from crm.common.saving import saving
from crm.common.urls import is_safe_redirect
from crm.extensions import db


@bp.route("/password", methods=["GET", "POST"])
@read_access
def password():
    """Change one's own password; other sessions of the user end, this one goes on."""
    form = PasswordForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            auth_services.change_password(
                db.session,
                user=current_user,
                current=form.current_password.data,
                new=form.new_password.data,
            )
            token = auth_services.start_session(db.session, user=current_user)
        if saved.ok:
            session[SESSION_TOKEN_KEY] = token
            flash(_("Your password is changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("account/password.html", form=form), 400 if form.errors else 200


@bp.route("/language", methods=["POST"])
@public
def language():
    """Switch the interface language (kept on the user, or in the session before sign-in)."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            auth_services.set_locale(db.session, user=current_user, locale=form.locale.data)
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("home.index"))


def _token_page(form: TokenForm, *, new_token: str | None = None, status: int = 200):
    everyone = current_user.is_admin
    tokens = api_queries.list_tokens(db.session, user_id=None if everyone else current_user.id)
    return render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=tokens,
        everyone=everyone,
        new_token=new_token,
        now=utcnow(),
    ), status


def _token_form() -> TokenForm:
    form = TokenForm()
    scopes = [TokenScope.READ] if current_user.role == Role.READER else list(TokenScope)
    form.scope.choices = [SelectChoice(s.value, TOKEN_SCOPE.label(s.value)) for s in scopes]
    return form


@bp.route("/tokens", methods=["GET", "POST"])
@read_access
def tokens():
    """Personal API tokens: create one (shown once), see and revoke them; admins see all."""
    form = _token_form()
    if form.validate_on_submit():
        with saving(form) as saved:
            _token, text = api_services.create_token(
                db.session,
                user=current_user,
                name=form.name.data,
                scope=form.scope.data,
                expires_at=utcnow() + timedelta(days=int(form.lifetime.data)),
            )
        if saved.ok:
            # Shown on this response only, never flashed: the session cookie is signed, not secret.
            return _token_page(_token_form(), new_token=text)
    return _token_page(form, status=400 if form.errors else 200)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@read_access
def revoke_token(token_id: int):
    """Revoke a token now: one's own, or any as an admin."""
    token = api_queries.get_token(db.session, token_id)
    if token is None or (token.user_id != current_user.id and not current_user.is_admin):
        abort(404)
    form = RevokeTokenForm()
    if form.validate_on_submit():
        with saving() as saved:
            api_services.revoke_token(db.session, token=token, by=current_user)
        if saved.ok:
            flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("account.tokens"))

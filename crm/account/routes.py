"""The signed-in user's own settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.account import bp
from crm.account.forms import LanguageForm, PasswordForm
from crm.auth import services as auth_services
from crm.auth.services import SESSION_TOKEN_KEY
from crm.common.access import public, read_access
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

"""Administer users: list, create, change role, deactivate, reset password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.access import admin_access
from crm.common.saving import saving
from crm.extensions import db
from crm.users import bp, queries
from crm.users.forms import PasswordResetForm, UserCreateForm, UserEditForm


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/")
@admin_access
def index():
    """All users."""
    return render_template("users/index.html", users=queries.list_users(db.session))


@bp.route("/new", methods=["GET", "POST"])
@admin_access
def create():
    """Create a user and show the one-time password once (never stored in a cookie)."""
    form = UserCreateForm()
    if form.validate_on_submit():
        password = auth_services.generate_password()
        with saving(form) as saved:
            user = auth_services.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=password,
                must_change_password=True,
            )
        if saved.ok:
            return render_template("users/password_shown.html", user=user, password=password)
    return render_template("users/form.html", form=form), 400 if form.errors else 200


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_access
def edit(user_id: int):
    """Change a user's role or deactivate them (their sessions end at once)."""
    user = _get_user(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        with saving(form) as saved:
            auth_services.update_user(
                db.session,
                user=user,
                acting=current_user,
                role=form.role.data,
                active=form.active.data,
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=user.name), "success")
            return redirect(url_for("users.index"))
    return render_template(
        "users/edit.html", form=form, user=user, reset_form=PasswordResetForm()
    ), 400 if form.errors else 200


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@admin_access
def reset_password(user_id: int):
    """Give a user a new one-time password, shown once."""
    user = _get_user(user_id)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        abort(400)
    password = auth_services.generate_password()
    auth_services.set_password(db.session, user=user, password=password, must_change=True)
    db.session.commit()
    return render_template("users/password_shown.html", user=user, password=password)

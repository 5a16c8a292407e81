"""Administer users: list, invite or create, change role, deactivate, reset password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth import oidc
from crm.auth import services as auth_services
from crm.auth.models import User
from crm.common.access import admin_access
from crm.common.saving import saving
from crm.extensions import db
from crm.mail.smtp import MailSettings, mail_settings
from crm.users import bp, queries, services
from crm.users.forms import (
    InvitationForm,
    PasswordResetForm,
    SignInSettingsForm,
    UserCreateForm,
    UserEditForm,
)


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _mail() -> MailSettings | None:
    return mail_settings(current_app.config)


@bp.route("/")
@admin_access
def index():
    """All users."""
    return render_template(
        "users/index.html",
        users=queries.list_users(db.session),
        invited=queries.invited_user_ids(db.session),
        mail_on=_mail() is not None,
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_access
def create():
    """Invite a user by mail; with mail off, show a one-time password once (never stored)."""
    form = UserCreateForm()
    settings = _mail()
    if form.validate_on_submit():
        if settings is not None:
            return _invite(form, settings)
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
    return _create_page(form, settings)


def _invite(form: UserCreateForm, settings: MailSettings):
    lifetime = current_app.config["INVITATION_LIFETIME"]
    with saving(form) as saved:
        user = services.invite_user(
            db.session,
            settings,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            invited_by=current_user,
            lifetime=lifetime,
        )
    if saved.ok:
        flash(_invitation_sent(user, lifetime), "success")
        return redirect(url_for("users.index"))
    return _create_page(form, settings)


def _create_page(form: UserCreateForm, settings: MailSettings | None):
    return render_template(
        "users/form.html", form=form, mail_on=settings is not None
    ), 400 if form.errors else 200


def _invitation_sent(user: User, lifetime) -> str:
    return _(
        "An invitation is sent to %(email)s. The link in it works once, for %(hours)d hours.",
        email=user.email,
        hours=int(lifetime.total_seconds() // 3600),
    )


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
        "users/edit.html",
        form=form,
        user=user,
        reset_form=PasswordResetForm(),
        invitation_form=InvitationForm(),
        mail_on=_mail() is not None,
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


@bp.route("/<int:user_id>/invite", methods=["POST"])
@admin_access
def invite(user_id: int):
    """Mail a user a new one-time link to choose their password (a reset, or a lost invitation)."""
    user = _get_user(user_id)
    form = InvitationForm()
    settings = _mail()
    if not form.validate_on_submit() or settings is None:
        abort(400)
    lifetime = current_app.config["INVITATION_LIFETIME"]
    with saving() as saved:
        services.send_invitation(
            db.session, settings, user=user, invited_by=current_user, lifetime=lifetime
        )
    if saved.ok:
        flash(_invitation_sent(user, lifetime), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/sign-in", methods=["GET", "POST"])
@admin_access
def sign_in_settings():
    """How colleagues sign in: whether the municipality's sign-in may create accounts."""
    settings = auth_services.get_sign_in_settings(db.session)
    form = SignInSettingsForm(obj=settings)
    if form.validate_on_submit():
        with saving(form) as saved:
            auth_services.save_sign_in_settings(
                db.session,
                create_users_from_provider=form.create_users_from_provider.data,
                acting=current_user,
            )
        if saved.ok:
            flash(_("The sign-in settings are saved."), "success")
            return redirect(url_for("users.sign_in_settings"))
    return render_template(
        "users/sign_in.html",
        form=form,
        provider=oidc.provider_settings(current_app.config),
        password_on=oidc.password_sign_in_on(current_app.config),
    ), 400 if form.errors else 200

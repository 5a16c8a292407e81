"""The signed-in user's own settings."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from crm.account import bp
from crm.account.forms import (
    LanguageForm,
    PasswordConfirmForm,
    PasswordForm,
    RevokeTokenForm,
    TokenForm,
    TwoFactorConfirmForm,
    TwoFactorStartForm,
)
from crm.api import queries as api_queries
from crm.api import services as api_services
from crm.api.labels import TOKEN_SCOPE
from crm.api.models import TokenScope
from crm.auth import services as auth_services
from crm.auth import twofactor
from crm.auth.passwords import verify_password
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


# --- the second factor --------------------------------------------------------------------


def _two_factor_required() -> bool:
    return current_user.is_admin and current_app.config["TWO_FACTOR_REQUIRED_FOR_ADMINS"]


@bp.route("/two-factor")
@read_access
def two_factor():
    """Whether two-step sign-in is on, with the ways to set it up, renew codes or turn it off."""
    return render_template(
        "account/two_factor.html",
        start_form=TwoFactorStartForm(),
        codes_form=PasswordConfirmForm(prefix="codes"),
        disable_form=PasswordConfirmForm(prefix="off"),
        codes_left=auth_services.unused_recovery_codes(db.session, user=current_user),
        required=_two_factor_required(),
    )


@bp.route("/two-factor/start", methods=["POST"])
@read_access
def two_factor_start():
    """Make a new secret for the app and show it as a QR code."""
    form = TwoFactorStartForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as saved:
        auth_services.begin_two_factor_setup(
            db.session, user=current_user, secret_keys=twofactor.app_secret_keys(current_app.config)
        )
    if saved.ok:
        return redirect(url_for("account.two_factor_setup"))
    return redirect(url_for("account.two_factor"))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@read_access
def two_factor_setup():
    """Show the QR code and take the first code; then show the recovery codes, once."""
    secret = auth_services.pending_two_factor_secret(
        current_user, secret_keys=twofactor.app_secret_keys(current_app.config)
    )
    if secret is None:
        return redirect(url_for("account.two_factor"))
    form = TwoFactorConfirmForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            codes = auth_services.confirm_two_factor_setup(
                db.session,
                user=current_user,
                code=form.code.data,
                secret_keys=twofactor.app_secret_keys(current_app.config),
            )
        if saved.ok:
            return render_template("account/recovery_codes.html", codes=codes, new_setup=True)
    return render_template(
        "account/two_factor_setup.html", form=form, secret=_grouped(secret)
    ), 400 if form.errors else 200


def _grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/two-factor/qr.svg")
@read_access
def two_factor_qr():
    """The QR code of the secret being set up, as an SVG image (no script, no inline style)."""
    secret = auth_services.pending_two_factor_secret(
        current_user, secret_keys=twofactor.app_secret_keys(current_app.config)
    )
    if secret is None:
        abort(404)
    uri = twofactor.provisioning_uri(secret, account=current_user.email)
    return Response(twofactor.qr_svg(uri), mimetype="image/svg+xml")


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@read_access
def recovery_codes():
    """New recovery codes after the password is typed again; the old ones stop working."""
    form = PasswordConfirmForm(prefix="codes")
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data) and (
            current_user.has_two_factor
        ):
            codes = auth_services.replace_recovery_codes(db.session, user=current_user)
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes, new_setup=False)
        form.password.errors = [*form.password.errors, _("The password is wrong.")]
    return _two_factor_page_with(codes_form=form)


@bp.route("/two-factor/off", methods=["POST"])
@read_access
def two_factor_disable():
    """Turn the second factor off after the password is typed again (not for admins)."""
    form = PasswordConfirmForm(prefix="off")
    if form.validate_on_submit():
        with saving(form) as saved:
            auth_services.disable_two_factor(
                db.session,
                user=current_user,
                password=form.password.data,
                required=_two_factor_required(),
            )
        if saved.ok:
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("account.two_factor"))
    return _two_factor_page_with(disable_form=form)


def _two_factor_page_with(**forms):
    page = {
        "start_form": TwoFactorStartForm(),
        "codes_form": PasswordConfirmForm(prefix="codes"),
        "disable_form": PasswordConfirmForm(prefix="off"),
        **forms,
    }
    return render_template(
        "account/two_factor.html",
        codes_left=auth_services.unused_recovery_codes(db.session, user=current_user),
        required=_two_factor_required(),
        **page,
    ), 400


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

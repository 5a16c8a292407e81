"""The register pages: a run's changes (editors), the flag rules and web imports (admins)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, edit_access
from crm.common.messages import translate
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.extensions import db
from crm.imports.brreg_reader import RegisterFileError, iter_units
from crm.jobs import QueueFull
from crm.register import bp, jobs, queries, services
from crm.register.forms import ChangeFilterForm, FlagRuleForm, StartImportForm
from crm.register.models import FlagRule, RuleKey

_MUNICIPALITY = re.compile(r"^\d{4}$")
_SUFFIXES = (".json", ".csv", ".gz")


@bp.route("/runs/<int:run_id>/changes")
@edit_access
def changes(run_id: int):
    """Endringer i registeret: what one register import changed, by kind, with filters."""
    run = queries.get_register_run(db.session, run_id)
    if run is None:
        abort(404)
    form = ChangeFilterForm(request.args)
    form.validate()
    category = form.category.data if not form.category.errors else None
    field = form.field.data if not form.field.errors else None
    page, per_page = page_args()
    pagination, companies = queries.list_changes(
        db.session, run_id=run_id, category=category, field=field, page=page, per_page=per_page
    )
    return render_template(
        "register/changes.html",
        run=run,
        form=form,
        pagination=pagination,
        companies=companies,
        counts=queries.category_counts(db.session, run_id),
        flags=queries.flag_counts(db.session, run_id),
        filter_args={k: v for k, v in (("category", category), ("field", field)) if v},
    )


@bp.route("/rules")
@admin_access
def rules():
    """The rules that turn register changes into warnings."""
    found = services.ensure_flag_rules(db.session)
    db.session.commit()
    return render_template("register/rules.html", rules=found)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@admin_access
def edit_rule(rule_id: int):
    """Change one rule: kind, severity, on or off, thresholds."""
    rule = db.session.get(FlagRule, rule_id)
    if rule is None:
        abort(404)
    form = FlagRuleForm.editing(rule)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_flag_rule(
                db.session,
                rule=rule,
                version=form.version.data,
                kind=form.kind.data,
                severity=form.severity.data,
                enabled=form.enabled.data,
                threshold_percent=form.threshold_percent.data,
                threshold_people=form.threshold_people.data,
            )
        if saved.ok:
            flash(_("The rule is saved."), "success")
            return redirect(url_for("register.rules"))
    return render_template(
        "register/rule_form.html",
        rule=rule,
        form=form,
        thresholds=rule.rule == RuleKey.EMPLOYEES_DOWN,
    )


def _server_files() -> list[str]:
    folder = current_app.config.get("REGISTER_IMPORT_DIR")
    if not folder or not Path(folder).is_dir():
        return []
    return sorted(
        entry.name
        for entry in Path(folder).iterdir()
        if entry.is_file() and entry.name.lower().endswith(_SUFFIXES)
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_access
def start_import():
    """Start a register import from an upload or a file in the server's folder."""
    form = StartImportForm()
    server_files = _server_files()
    form.server_file.choices = [("", _("None"))] + [(name, name) for name in server_files]
    if form.validate_on_submit():
        kommuner = [k for k in re.split(r"[\s,;]+", form.kommuner.data or "") if k]
        upload = form.file.data
        chosen = form.server_file.data or ""
        if not kommuner or not all(_MUNICIPALITY.match(k) for k in kommuner):
            form.kommuner.errors = [_("Give four-digit municipality numbers, e.g. 3205.")]
        elif upload and upload.filename and chosen:
            form.file.errors = [_("Upload a file or choose one on the server, not both.")]
        elif chosen and chosen not in server_files:
            form.server_file.errors = [_("Choose one of the files in the list.")]
        elif not (upload and upload.filename) and not chosen:
            form.file.errors = [_("Upload a register file, or choose one on the server.")]
        else:
            return _start(form, kommuner, upload if not chosen else None, chosen)
    return render_template(
        "register/start.html",
        form=form,
        has_folder=bool(current_app.config.get("REGISTER_IMPORT_DIR")),
    )


def _start(form: StartImportForm, kommuner: list[str], upload, chosen: str):
    if upload is not None:
        folder = jobs.upload_folder(current_app)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".gz" if upload.filename.lower().endswith(".gz") else ""
        name = secrets.token_hex(16) + suffix
        path = folder / name
        upload.save(path)
        stored_as, filename = f"upload:{name}", upload.filename
    else:
        path = jobs.source_path(current_app, f"folder:{chosen}")
        stored_as, filename = f"folder:{chosen}", chosen
    try:
        # Read the first unit now: a file that is not the register's is refused on the form.
        next(iter(iter_units(path, kommuner=None)), None)
    except RegisterFileError as error:
        if upload is not None:
            path.unlink(missing_ok=True)
        field = form.file if upload is not None else form.server_file
        field.errors = [translate(error.message)]
        return render_template(
            "register/start.html",
            form=form,
            has_folder=bool(current_app.config.get("REGISTER_IMPORT_DIR")),
        )
    run = services.record_web_import(
        db.session,
        filename=filename,
        stored_as=stored_as,
        kommuner=kommuner,
        user_id=current_user.id,
    )
    db.session.commit()
    try:
        jobs.start_register_import(run.id)
    except QueueFull:
        jobs.give_up(run.id)
        flash(
            _("The server is busy with other work. Start the import again in a moment."), "danger"
        )
        return redirect(url_for("register.start_import"))
    flash(_("The import has started."), "success")
    return redirect(url_for("register.progress", run_id=run.id))


@bp.route("/runs/<int:run_id>")
@admin_access
def progress(run_id: int):
    """A register import's progress; the page reloads itself while the import runs."""
    run = queries.get_register_run(db.session, run_id)
    if run is None:
        abort(404)
    return render_template("register/progress.html", run=run)

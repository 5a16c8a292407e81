"""Imports: the runs (admins), spreadsheets in the browser, duplicates and merge (editors)."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.common.access import admin_access, edit_access
from crm.common.forms import show_domain_error
from crm.common.pagination import page_args
from crm.common.saving import saving
from crm.companies.models import Company
from crm.contacts.models import Contact
from crm.extensions import db
from crm.imports import bp, merge, planning, queries, services, sheets, uploads
from crm.imports.forms import (
    CancelForm,
    RevertForm,
    UploadForm,
    check_mapping,
    decision_form,
    decisions_from,
    mapping_form,
    mapping_from,
    merge_form,
)
from crm.imports.models import ImportUpload

MERGE_TABLES = {"companies": Company, "contacts": Contact}


# --- runs (admins) ---------------------------------------------------------------------------


@bp.route("/")
@admin_access
def index():
    """Every import and merge, newest first."""
    page, per_page = page_args()
    pagination = queries.list_runs(db.session, page=page, per_page=per_page)
    return render_template("imports/index.html", pagination=pagination)


@bp.route("/<int:run_id>")
@admin_access
def detail(run_id: int):
    """One run: summary, rejected rows, and the revert button."""
    run = queries.get_run(db.session, run_id)
    if run is None:
        abort(404)
    return render_template(
        "imports/detail.html",
        run=run,
        counts=queries.change_counts(db.session, run_id),
        form=RevertForm(),
        revertible=run.kind in services.REVERTIBLE_KINDS and run.status == "finished",
    )


@bp.route("/<int:run_id>/revert", methods=["POST"])
@admin_access
def revert(run_id: int):
    """Delete what the run created and restore what it updated, or say why not."""
    run = queries.get_run(db.session, run_id)
    if run is None:
        abort(404)
    form = RevertForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as saved:
        counts = services.revert_import(db.session, run=run, user_id=current_user.id)
    if saved.ok:
        flash(
            _(
                "The import is reverted: %(deleted)s records deleted, %(restored)s restored.",
                deleted=counts["deleted"],
                restored=counts["restored"],
            ),
            "success",
        )
    return redirect(url_for("imports.detail", run_id=run_id))


# --- spreadsheets (editors) ------------------------------------------------------------------


@bp.route("/spreadsheet", methods=["GET", "POST"])
@edit_access
def upload():
    """Step 1: upload a CSV or XLSX file and say what its rows are; it is read here, once."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            table = sheets.read_table(form.file.data.read())
        except sheets.TableError as error:
            show_domain_error(form, error)
        else:
            uploads.remove_stale_uploads(db.session)
            stored = uploads.store_upload(
                db.session,
                table=table,
                filename=form.file.data.filename or "",
                kind=form.kind.data,
                user_id=current_user.id,
            )
            db.session.commit()
            return redirect(url_for("imports.columns", token=stored.token))
    return render_template("imports/upload.html", form=form), 400 if form.errors else 200


def _pending(token: str, *, with_rows: bool = False) -> ImportUpload | Response:
    """This user's upload, or a redirect to its run when it is imported already."""
    upload = uploads.get_upload(db.session, token, user_id=current_user.id, with_rows=with_rows)
    if upload is None:
        abort(404)
    if upload.state == "pending":
        return upload
    flash(_("This file has been imported already; here is what the import did."), "info")
    if upload.run_id is None:  # the run was deleted since
        return redirect(url_for("imports.upload"))
    return redirect(url_for("imports.result", run_id=upload.run_id))


@bp.route("/spreadsheet/<token>/columns", methods=["GET", "POST"])
@edit_access
def columns(token: str):
    """Step 2: which column fills which field (guessed from the header)."""
    upload = _pending(token)
    if not isinstance(upload, ImportUpload):
        return upload
    fields = planning.fields_for(upload.kind)
    guesses = upload.mapping or planning.guess_mapping(upload.header, upload.kind)
    form = mapping_form(
        upload.header, fields, guesses, formdata=request.form if request.method == "POST" else None
    )
    if form.validate_on_submit():
        mapping = mapping_from(form)
        if check_mapping(form, mapping):
            uploads.save_mapping(db.session, upload=upload, mapping=mapping)
            db.session.commit()
            return redirect(url_for("imports.preview", token=token))
    return render_template(
        "imports/columns.html",
        form=form,
        upload=upload,
        cancel_form=CancelForm(),
        token=token,
    ), 400 if form.errors or form.form_errors else 200


@bp.route("/spreadsheet/<token>/preview", methods=["GET", "POST"])
@edit_access
def preview(token: str):
    """Step 3: what each row will do; POST runs the import of the valid rows, once."""
    upload = _pending(token, with_rows=True)
    if not isinstance(upload, ImportUpload):
        return upload
    if not upload.mapping:
        return redirect(url_for("imports.columns", token=token))
    planned = planning.plan_rows(
        db.session, uploads.table_of(upload), kind=upload.kind, mapping=upload.mapping
    )
    duplicates = [row.number for row in planned if row.action == "duplicate"]
    form = decision_form(duplicates, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        upload_id, kind, filename = upload.id, upload.kind, upload.filename
        if not uploads.claim_upload(db.session, upload_id=upload_id):
            # Another click (or tab, or worker) imported it while this one was planning.
            db.session.rollback()
            return _pending(token)
        run = services.run_spreadsheet_import(
            db.session,
            kind=kind,
            filename=filename,
            planned=planned,
            decisions=decisions_from(form),
            default_decision=form.default_decision.data,
            user_id=current_user.id,
        )
        uploads.record_run(db.session, upload_id=upload_id, run_id=run.id)
        db.session.commit()
        current_app.logger.info(
            "Spreadsheet import %s by user %s: %s", run.id, current_user.id, run.summary
        )
        flash(_("The import is done."), "success")
        return redirect(url_for("imports.result", run_id=run.id))
    counts: dict[str, int] = {}
    for row in planned:
        counts[row.action] = counts.get(row.action, 0) + 1
    return render_template(
        "imports/preview.html",
        form=form,
        upload=upload,
        planned=planned,
        counts=counts,
        fields=planning.fields_for(upload.kind),
        cancel_form=CancelForm(),
        token=token,
    ), 400 if form.errors else 200


@bp.route("/spreadsheet/<token>/cancel", methods=["POST"])
@edit_access
def cancel(token: str):
    """Drop an uploaded file."""
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    upload = _pending(token)
    if not isinstance(upload, ImportUpload):
        return upload
    uploads.delete_upload(db.session, upload=upload)
    db.session.commit()
    flash(_("The uploaded file is deleted."), "info")
    return redirect(url_for("imports.upload"))


@bp.route("/spreadsheet/result/<int:run_id>")
@edit_access
def result(run_id: int):
    """What a spreadsheet import did, with the rows it refused."""
    run = queries.get_run(db.session, run_id)
    if run is None or run.kind not in planning.KINDS:
        abort(404)
    return render_template("imports/result.html", run=run)


# --- duplicates and merge (editors) ----------------------------------------------------------


@bp.route("/duplicates")
@edit_access
def duplicates():
    """Pairs of organisations or people that may be the same."""
    table = request.args.get("type", "companies")
    if table not in MERGE_TABLES:
        table = "companies"
    pairs = queries.find_duplicates(db.session, table=table)
    return render_template("imports/duplicates.html", pairs=pairs, table=table)


def _merge_fields(table: str, first, second) -> list[tuple[str, str, str, str]]:
    names = merge.COMPANY_FIELDS if table == "companies" else merge.CONTACT_FIELDS
    labels = merge.field_labels(table)
    shown = []
    for name in merge.differing_fields(first, second, names):
        shown.append(
            (
                name,
                labels.get(name, name),
                merge.display_value(first, name),
                merge.display_value(second, name),
            )
        )
    return shown


@bp.route("/merge/<table>/<int:first_id>/<int:second_id>", methods=["GET", "POST"])
@edit_access
def merge_records(table: str, first_id: int, second_id: int):
    """Choose the kept record and the values to keep; everything moves to the kept one."""
    model = MERGE_TABLES.get(table)
    if model is None or first_id == second_id:
        abort(404)
    first, second = db.session.get(model, first_id), db.session.get(model, second_id)
    if first is None or second is None:
        abort(404)
    fields = _merge_fields(table, first, second)
    form = merge_form(fields, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.first_version.data, form.second_version.data = first.version, second.version
    if form.validate_on_submit():
        keep_first = form.keep.data == "first"
        kept, other = (first, second) if keep_first else (second, first)
        kept_version, other_version = (
            (form.first_version.data, form.second_version.data)
            if keep_first
            else (form.second_version.data, form.first_version.data)
        )
        kept_side = "first" if keep_first else "second"
        choices = {
            name: ("kept" if getattr(form, f"field_{name}").data == kept_side else "other")
            for name in form.field_names
        }
        service = merge.merge_companies if table == "companies" else merge.merge_contacts
        with saving(form) as saved:
            run = service(
                db.session,
                kept=kept,
                other=other,
                choices=choices,
                kept_version=kept_version,
                other_version=other_version,
                user_id=current_user.id,
            )
        if saved.ok:
            flash(
                _(
                    "Merged: %(removed)s is now part of %(kept)s.",
                    removed=run.summary["removed_name"],
                    kept=run.summary["kept_name"],
                ),
                "success",
            )
            endpoint = "companies.detail" if table == "companies" else "contacts.detail"
            key = "company_id" if table == "companies" else "contact_id"
            return redirect(url_for(endpoint, **{key: run.summary["kept_id"]}))
    return render_template(
        "imports/merge.html",
        form=form,
        table=table,
        first=first,
        second=second,
        uses=(
            merge.count_uses(db.session, table=table, record_id=first.id),
            merge.count_uses(db.session, table=table, record_id=second.id),
        ),
    ), 400 if form.errors or form.form_errors else 200

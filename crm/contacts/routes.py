"""People: list, page, create, edit, affiliations and the GDPR export."""

from __future__ import annotations

import json
import re
from functools import lru_cache, partial

import phonenumbers
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from crm.common.access import admin_access, edit_access, read_access
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.forms import show_domain_error
from crm.common.pagination import page_args, paginate
from crm.common.saving import saving
from crm.contacts import bp, queries, retention, services
from crm.contacts.filters import contact_filter_form
from crm.contacts.forms import (
    AffiliationForm,
    ContactEditForm,
    ContactForm,
    EndAffiliationForm,
    EraseContactForm,
    LiftRestrictionForm,
    RemoveAffiliationForm,
    RestrictContactForm,
    RetentionForm,
)
from crm.contacts.models import Affiliation, Contact
from crm.extensions import db
from crm.lists.memory import ListPanel, bulk_panel, remember_list
from crm.lists.models import ListName

# A Norwegian number as services.normalise_phone stores it: +47 and eight digits, no leading zero.
_PLAIN_NORWEGIAN = re.compile(r"\+47([1-9][0-9]{7})")


@bp.app_template_filter("phone_display")
def phone_display(value: str | None) -> str:
    """A stored E.164 number as people write it: nationally for Norway, else internationally."""
    if not value:
        return ""
    plain = _PLAIN_NORWEGIAN.fullmatch(value)
    if plain:
        # The people list shows fifty numbers, nearly all Norwegian: written by the layout of
        # their first four digits, which the library works out once (a test compares the
        # text with the library's own for every four first digits).
        digits = plain[1]
        return _norwegian_layout(digits[:4]).format(*digits)
    try:
        number = phonenumbers.parse(value, services.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return value
    return _written(number)


def _written(number: phonenumbers.PhoneNumber) -> str:
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == services.PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@lru_cache(maxsize=10_000)
def _norwegian_layout(first_four: str) -> str:
    """How the library writes a Norwegian number (eight digits) that starts with `first_four`,
    its eight digits as `{}` fields: its region (Norway or Svalbard) and grouping follow from
    the first digits alone. Holds no number: the layout of one made up from the four digits."""
    number = phonenumbers.PhoneNumber(country_code=47, national_number=int(first_four + "0000"))
    text = list(_written(number))
    fields = 8
    for position in range(len(text) - 1, -1, -1):
        if fields and text[position].isdigit():
            text[position] = "{}"
            fields -= 1
    return "".join(text)


def _get_contact(contact_id: int) -> Contact:
    contact = queries.get_contact(db.session, contact_id)
    if contact is None:
        abort(404)
    return contact


def _get_affiliation(contact: Contact, affiliation_id: int) -> Affiliation:
    affiliation = db.session.get(Affiliation, affiliation_id)
    if affiliation is None or affiliation.contact_id != contact.id:
        abort(404)
    return affiliation


def _show_error(form, error: DomainError) -> None:
    """Put the service's refusal beside its field; a duplicate email links to the other person."""
    if isinstance(error, services.DuplicateEmailError):
        other = error.other
        # The text is ours (the catalogue); Markup's % escapes the name put into it.
        message = _('This email address already belongs to <a href="%(path)s">%(name)s</a>.')
        path = url_for("contacts.detail", contact_id=other.id)
        error.message = Markup(message) % {"path": path, "name": other.name}  # noqa: S704  # nosec B704
    show_domain_error(form, error)


@bp.route("/")
@read_access
def index():
    """People, searchable, filtered by organisation and sortable."""
    memory = remember_list(ListName.CONTACTS)
    if not isinstance(memory, ListPanel):
        return memory
    form, filters = contact_filter_form(db.session, request.args)
    page, per_page = page_args()
    pagination, sort = queries.list_contacts(
        db.session,
        filters=filters,
        sort=request.args.get("sort"),
        page=page,
        per_page=per_page,
    )
    args = {
        key: value
        for key, value in request.args.items()
        if key in ("q", "company", "company_id", "include_former", "per_page") and value
    }
    return render_template(
        "contacts/index.html",
        form=form,
        pagination=pagination,
        sort=sort,
        args=args,
        list_panel=memory,
        bulk=bulk_panel(ListName.CONTACTS),
    )


@bp.route("/<int:contact_id>")
@read_access
def detail(contact_id: int):
    """A person: details, affiliations, last contact and the meetings they attended."""
    _get_contact(contact_id)  # 404 for an unknown person, before anything is logged
    # Logged and committed first: a commit after loading would expire what the page shows.
    services.record_access(
        db.session, user_id=current_user.id, action="viewed", contact_id=contact_id
    )
    db.session.commit()
    info = queries.get_contact_detail(db.session, contact_id)
    return render_template(
        "contacts/detail.html",
        detail=info,
        contact=info.contact,
        today=local_today().isoformat(),
    )


def _details(form) -> dict:
    """The person's own details as the create and edit forms post them."""
    return {
        "name": form.name.data,
        "email": form.email.data,
        "phone": form.phone.data,
        "notes": form.notes.data,
    }


@bp.route("/new", methods=["GET", "POST"])
@edit_access
def create():
    """Register a person; `name` and `email` in the query string fill the form (an invitation's
    attendee not found among people is added this way)."""
    form = ContactForm()
    if not form.is_submitted():
        form.name.data = (request.args.get("name") or "")[:200]
        form.email.data = (request.args.get("email") or "")[:320]
    if form.validate_on_submit():
        with saving(show=partial(_show_error, form)) as saved:
            contact = services.create_contact(db.session, **_details(form))
        if saved.ok:
            flash(_("%(name)s is saved.", name=contact.name), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, contact=None), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@edit_access
def edit(contact_id: int):
    """Correct a person's details (right to rectification)."""
    contact = _get_contact(contact_id)
    form = ContactEditForm.editing(contact)
    if form.validate_on_submit():
        with saving(show=partial(_show_error, form)) as saved:
            services.update_contact(
                db.session, contact=contact, version=form.version.data, **_details(form)
            )
        if saved.ok:
            flash(_("%(name)s is saved.", name=contact.name), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, contact=contact), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:contact_id>/affiliations/new", methods=["GET", "POST"])
@edit_access
def add_affiliation(contact_id: int):
    """Record where the person works or has worked."""
    contact = _get_contact(contact_id)
    form = AffiliationForm()
    if form.validate_on_submit():
        with saving(show=partial(_show_error, form)) as saved:
            services.add_affiliation(
                db.session,
                contact=contact,
                company_id=form.company_id.data,
                company_text=form.company.data,
                title=form.title.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                primary=form.primary.data,
            )
        if saved.ok:
            flash(_("The affiliation is saved."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template("contacts/affiliation_form.html", form=form, contact=contact), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:contact_id>/affiliations/<int:affiliation_id>/end", methods=["POST"])
@edit_access
def end_affiliation(contact_id: int, affiliation_id: int):
    """End an affiliation; it stays as history."""
    contact = _get_contact(contact_id)
    affiliation = _get_affiliation(contact, affiliation_id)
    form = EndAffiliationForm()
    if not form.validate_on_submit():
        flash(_("Give the date the affiliation ended."), "danger")
        return redirect(url_for("contacts.detail", contact_id=contact.id))
    with saving() as saved:
        services.end_affiliation(db.session, affiliation=affiliation, end_date=form.end_date.data)
    if saved.ok:
        flash(_("The affiliation is ended."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/affiliations/<int:affiliation_id>/remove", methods=["POST"])
@edit_access
def remove_affiliation(contact_id: int, affiliation_id: int):
    """Delete an affiliation entered by mistake."""
    contact = _get_contact(contact_id)
    affiliation = _get_affiliation(contact, affiliation_id)
    if not RemoveAffiliationForm().validate_on_submit():
        abort(400)
    with saving() as saved:
        services.remove_affiliation(db.session, affiliation=affiliation)
    if saved.ok:
        flash(_("The affiliation is removed."), "success")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/erase", methods=["GET", "POST"])
@edit_access
def erase(contact_id: int):
    """Erase a person on request (GDPR art. 17): the person and affiliations go, meetings stay."""
    contact = _get_contact(contact_id)
    form = EraseContactForm.editing(contact, fill=False)
    if form.validate_on_submit():
        with saving(form) as saved:
            name = services.erase_contact(db.session, contact=contact, version=form.version.data)
            # Who erased whom stays in the access log (the id only: the person's data is gone).
            services.record_access(
                db.session, user_id=current_user.id, action="erased", contact_id=contact_id
            )
        if saved.ok:
            flash(_("%(name)s is erased.", name=name), "success")
            return redirect(url_for("contacts.index"))
    detail = queries.get_contact_detail(db.session, contact_id)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("contacts/erase.html", form=form, contact=contact, detail=detail), status


@bp.route("/<int:contact_id>/restriction", methods=["GET", "POST"])
@admin_access
def restriction(contact_id: int):
    """Restrict the processing of a person's data (GDPR art. 18), or lift the restriction."""
    contact = _get_contact(contact_id)
    restricted = contact.restricted_at is not None
    form_class = LiftRestrictionForm if restricted else RestrictContactForm
    form = form_class.editing(contact, fill=False)
    if form.validate_on_submit():
        with saving(form) as saved:
            if restricted:
                services.lift_restriction(db.session, contact=contact, version=form.version.data)
            else:
                services.restrict_contact(
                    db.session,
                    contact=contact,
                    version=form.version.data,
                    reason=form.reason.data,
                    by_id=current_user.id,
                )
        if saved.ok:
            if restricted:
                flash(_("The restriction is lifted."), "success")
            else:
                flash(_("%(name)s's data is restricted.", name=contact.name), "success")
            return redirect(url_for("contacts.detail", contact_id=contact_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("contacts/restriction.html", form=form, contact=contact), status


@bp.route("/retention", methods=["GET", "POST"])
@admin_access
def retention_review():
    """People due for review under the retention rule: erase them, or keep them with a reason."""
    years = current_app.config["RETENTION_YEARS"]
    today = local_today()
    form = RetentionForm()
    if form.validate_on_submit():
        ids = form.contact_ids.data or []
        with saving(form) as saved:
            if form.erase.data:
                if not form.confirm.data:
                    raise DomainError("confirm", _l("Tick the box to confirm the erasure."))
                done = retention.erase_due(
                    db.session, ids, today=today, years=years, user_id=current_user.id
                )
                message = _("%(n)s people are erased.", n=done)
            else:
                done = retention.keep_due(
                    db.session, ids, reason=form.reason.data, today=today, years=years
                )
                message = _(
                    "%(n)s people are kept for another %(years)s years.", n=done, years=years
                )
        if saved.ok:
            flash(message, "success")
            return redirect(url_for("contacts.retention_review"))
    page, per_page = page_args()
    pagination = paginate(
        db.session, retention.due_query(today=today, years=years), page=page, per_page=per_page
    )
    last = retention.last_meetings(db.session, [c.id for c in pagination.items])
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "contacts/retention.html",
        form=form,
        pagination=pagination,
        last_meetings=last,
        years=years,
    ), status


@bp.route("/<int:contact_id>/access")
@admin_access
def access(contact_id: int):
    """Who has seen, exported or erased this person's data (also after an erasure)."""
    contact = db.session.get(Contact, contact_id)
    entries = queries.access_log(db.session, contact_id)
    if contact is None and not entries:
        abort(404)
    return render_template(
        "contacts/access.html", contact=contact, contact_id=contact_id, entries=entries
    )


@bp.route("/<int:contact_id>/export")
@edit_access
def export(contact_id: int):
    """Everything stored about the person as a JSON file (GDPR art. 15, right of access)."""
    contact = _get_contact(contact_id)
    data = services.export_contact_data(db.session, contact=contact)
    # Access to personal data must be traceable.
    services.record_access(
        db.session, user_id=current_user.id, action="exported", contact_id=contact.id
    )
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="contact-{contact.id}.json"'},
    )

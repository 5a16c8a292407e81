"""The visit brief: from an organisation, a case (`?case_id=`) or a meeting (`?meeting_id=`)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from crm.briefs import bp, queries
from crm.common.access import read_access
from crm.common.converters import parse_id
from crm.common.dates import local_today
from crm.extensions import db


def capture_href(brief: queries.Brief) -> str:
    """The capture form prefilled for this visit: organisation, invited people, case, strategy
    tags, and the unanswered questions as headings in the notes."""
    args: dict = {"company_id": [brief.company.id]}
    if brief.invited_ids:
        args["contact_id"] = brief.invited_ids
    if brief.case is not None:
        args["establishment_id"] = brief.case.id
    if brief.strategy_ids:
        args["strategy_id"] = brief.strategy_ids
    notes = brief.capture_notes()
    if notes:
        args["notes"] = notes
    return url_for("meetings.create", **args)


@bp.route("/<int:company_id>")
@read_access
def brief(company_id: int):
    """One page to read (or print) before meeting the organisation."""
    brief = queries.get_brief(
        db.session,
        company_id,
        today=local_today(),
        case_id=parse_id(request.args.get("case_id")),
        meeting_id=parse_id(request.args.get("meeting_id")),
    )
    if brief is None:
        abort(404)
    return render_template("briefs/brief.html", brief=brief, capture_href=capture_href(brief))


@bp.route("/<int:company_id>/ties")
@read_access
def ties(company_id: int):
    """The strongest ties with a person to call, as a fragment the brief fetches after loading."""
    if queries.company_exists(db.session, company_id) is False:
        abort(404)
    return render_template(
        "briefs/_ties.html", ties=queries.strongest_ties(db.session, company_id, local_today())
    )

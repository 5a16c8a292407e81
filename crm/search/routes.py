"""Search: suggestions as one types (JSON) and the search page with grouped results."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import jsonify, render_template, request
from flask_babel import gettext as _

from crm.common.access import read_access
from crm.extensions import db
from crm.search import bp, queries


@bp.route("/suggest")
@read_access
def suggest():
    """Up to 10 suggestions of one type (companies, contacts, users, meetings) for `q`."""
    kind = request.args.get("type", "")
    suggester = queries.SUGGESTERS.get(kind)
    if suggester is None:
        return jsonify(
            error="unknown_type",
            message=_(
                "Unknown suggestion type. Use one of: %(types)s.",
                types=", ".join(queries.SUGGESTERS),
            ),
        ), 400
    q = queries.clean_query(request.args.get("q"))
    results = [s.as_dict() for s in suggester(db.session, q)] if q else []
    return jsonify(results=results)


@bp.route("/")
@read_access
def index():
    """Everything matching the search term: organisations, people and meetings."""
    typed = request.args.get("q", "").strip()
    q = queries.clean_query(typed)
    results = queries.search_everything(db.session, q) if q else None
    see_all = {}
    if q:
        query_string = urlencode({"q": q})
        see_all = {
            name: f"{request.script_root}/{name}/?{query_string}"
            for name in ("companies", "contacts", "meetings")
        }
    return render_template(
        "search/index.html",
        typed=typed,
        q=q,
        results=results,
        see_all=see_all,
        min_length=queries.MIN_QUERY_LENGTH,
        format_org_number=queries.format_org_number,
    )

"""Search: suggestions as one types (JSON) and the search page with grouped results."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.common.access import read_access
from crm.common.converters import parse_page
from crm.common.pagination import ResultPages
from crm.extensions import db
from crm.search import bp, queries

# The headings of the result groups, in the glossary's words.
KIND_LABELS = {
    "companies": _l("Organisations"),
    "contacts": _l("People"),
    "meetings": _l("Meetings"),
    "clusters": _l("Clusters"),
    "establishments": _l("Establishment cases"),
    "tasks": _l("Tasks"),
}


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
    """Everything matching the search term, ranked and grouped by kind; `kind` pages one kind."""
    typed = request.args.get("q", "").strip()
    q = queries.clean_query(typed)
    kind = request.args.get("kind")
    kind = kind if kind in queries.KINDS else None
    page = parse_page(request.args.get("page"))
    results = queries.search_page(db.session, q, kind=kind, page=page) if q else None
    pagination = None
    if results is not None and kind is not None:
        total = results.groups[0].total if results.groups else 0
        # Pages go as far as the ranking reads (the kind's RANK_CAP newest hits).
        pagination = ResultPages(
            page=page, per_page=queries.PER_PAGE, total=min(total, queries.RANK_CAP)
        )
    return render_template(
        "search/index.html",
        typed=typed,
        q=q,
        kind=kind,
        results=results,
        pagination=pagination,
        kind_labels=KIND_LABELS,
        rank_cap=queries.RANK_CAP,
        min_length=queries.MIN_QUERY_LENGTH,
    )

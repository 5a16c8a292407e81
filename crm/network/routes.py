"""The collaboration network's pages: the district map and its table, metrics, ego networks,
introduction paths, cluster figures and exports. Links and link types: crm.network.links.

Every view of the network goes through `_view`, which builds nothing uncached beyond the
signed-in user's limit (NETWORK_USER_COMPUTE_LIMIT, counted in the rate limiter's storage, so
shared by every worker when that is Redis) and lets crm.network.cache refuse work the server
cannot take now. A refusal is a 429 with Retry-After: a "try again in a moment" page, or JSON.
"""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.clusters.models import Cluster
from crm.common.access import read_access
from crm.common.converters import parse_id, parse_page
from crm.common.dates import local_today
from crm.common.errors import DomainError
from crm.common.forms import show_domain_error
from crm.common.pagination import page_args
from crm.companies.labels import COMPANY_KIND
from crm.companies.models import Company
from crm.companies.services import resolve_organisation
from crm.extensions import db
from crm.network import bp, cache, exports, panels, queries, services
from crm.network import graph as g
from crm.network.forms import NetworkFilterForm, PathForm
from crm.network.labels import METRIC, METRIC_HELP

JSON_ENDPOINTS = frozenset(
    {"network.graph_json", "network.status_json", "network.ego_json", "network.cluster_json"}
)


# --- helpers ----------------------------------------------------------------------------------


def _settings() -> cache.Settings:
    return cache.settings_from_config(current_app.config, current_app.instance_path)


def _charge_user() -> None:
    """Count one uncached computation against the signed-in user; Busy when over the limit."""
    services.charge_computation(current_app.config, user_id=current_user.get_id())


def _view(flt: queries.NetworkFilter) -> cache.NetworkView:
    return cache.get_view(db.session, flt, _settings(), today=local_today(), admit=_charge_user)


def _read_filter() -> tuple[NetworkFilterForm, queries.NetworkFilter, list[str]]:
    form = NetworkFilterForm(request.args)
    flt, notices = form.read_filter(queries.filter_choices(db.session))
    return form, flt, notices


def _filter_args() -> dict:
    """The query string as url_for arguments, without paging and sorting."""
    args = request.args.to_dict(flat=False)
    for name in ("page", "sort", "submit"):
        args.pop(name, None)
    return args


def _labels() -> dict:
    return {
        "kind_labels": COMPANY_KIND,
        "metric_labels": METRIC,
        "metric_help": METRIC_HELP,
        "link_type_names": {lt.key: lt.name for lt in queries.list_link_types(db.session)},
    }


def _radius() -> int:
    radius = parse_page(request.args.get("radius"), default=1, maximum=3)
    return radius if radius in (1, 2) else 1


def _map_response(view: cache.NetworkView) -> Response:
    return Response(
        exports.map_json_text(view, _labels()["kind_labels"], panels.community_labels(view)),
        mimetype="application/json",
    )


@bp.errorhandler(cache.Busy)
def busy(error: cache.Busy):
    """Too much to compute now: 429 with Retry-After, as JSON or as a page that says so."""
    if error.reason == "user":
        message = _(
            "You have asked for many new network views in a short time. "
            "Try again in a moment (in about %(seconds)s seconds).",
            seconds=error.retry_after,
        )
    else:
        message = _(
            "Koblingsboks is computing many networks right now. "
            "Try again in a moment (in about %(seconds)s seconds).",
            seconds=error.retry_after,
        )
    headers = {"Retry-After": str(error.retry_after)}
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify(ready=False, busy=True, message=message), 429, headers
    return render_template("network/busy.html", message=message), 429, headers


# --- the map and its table --------------------------------------------------------------------


@bp.route("/")
@read_access
def index():
    """The district map with its filters, legend, and the same nodes as a sortable table."""
    form, flt, notices = _read_filter()
    view = _view(flt)
    sort = panels.resolve_sort(request.args.get("sort"))
    page, per_page = page_args()
    return render_template(
        "network/index.html",
        form=form,
        view=view,
        notices=notices,
        table=panels.ListPage(panels.table_rows(view, sort), page, per_page),
        sort=sort,
        filter_args=_filter_args(),
        edges=view.ties.number_of_edges(),
        summary=panels.summary_sentence(view),
        community_names=panels.community_labels(view),
        **_labels(),
    )


@bp.route("/graph.json")
@read_access
def graph_json():
    """The map's data (graphology's format with compact edges); 202 while still computed."""
    _form, flt, _notices = _read_filter()
    view = _view(flt)
    if not view.slow_ready:
        return jsonify(ready=False), 202
    return _map_response(view)


@bp.route("/status.json")
@read_access
def status_json():
    """Whether the slow figures of a filter are ready (the page polls this).

    Never builds a graph: a worker that holds the view retries queueing its job (a 429 while
    the queue is full); another worker only looks for the finished file.
    """
    _form, flt, _notices = _read_filter()
    settings = _settings()
    view = cache.peek_view(db.session, flt, today=local_today())
    if view is None:
        return jsonify(ready=cache.slow_ready_stored(db.session, flt, settings))
    if not view.slow_ready:
        cache.attach_slow(view, settings)
    return jsonify(ready=view.slow_ready, version=view.version)


@bp.route("/metrics")
@read_access
def metrics():
    """Organisations ranked by each metric, and the brokers."""
    form, flt, notices = _read_filter()
    view = _view(flt)
    rankings, brokers = panels.rankings(view, METRIC)
    return render_template(
        "network/metrics.html",
        form=form,
        view=view,
        notices=notices,
        rankings=rankings,
        brokers=brokers,
        names={node: data.get("name") for node, data in view.ties.nodes(data=True)},
        filter_args=_filter_args(),
        **_labels(),
    )


# --- ego network, paths, clusters -------------------------------------------------------------


@bp.route("/companies/<int:company_id>/ego")
@read_access
def ego(company_id: int):
    """An organisation's neighbours up to two steps, on a small map and in a table."""
    company = db.get_or_404(Company, company_id)
    radius = _radius()
    view = _view(queries.NetworkFilter())
    rows = g.ego_rows(view.graph, company_id, radius=radius)
    return render_template(
        "network/ego.html", company=company, radius=radius, rows=rows, **_labels()
    )


@bp.route("/companies/<int:company_id>/summary")
@read_access
def company_summary(company_id: int):
    """The organisation's strongest ties as an HTML fragment its page fetches after loading."""
    company = db.get_or_404(Company, company_id)
    return render_template(
        "network/_ego_summary.html",
        company=company,
        network_panel=panels.company_panel(db.session, company_id, today=local_today()),
    )


@bp.route("/clusters/<int:cluster_id>/summary")
@read_access
def cluster_summary(cluster_id: int):
    """The cluster's members by their ties to each other, an HTML fragment its page fetches."""
    cluster = db.get_or_404(Cluster, cluster_id)
    return render_template(
        "network/_cluster_summary.html",
        cluster=cluster,
        network_panel=panels.cluster_panel(db.session, cluster_id, today=local_today()),
    )


@bp.route("/companies/<int:company_id>/ego.json")
@read_access
def ego_json(company_id: int):
    """The ego network in the map's format, laid out in rings around the organisation."""
    db.get_or_404(Company, company_id)
    view = _view(queries.NetworkFilter())
    if company_id not in view.graph:
        abort(404)
    top = parse_page(request.args.get("top"), default=0, maximum=1000) or None
    return _map_response(panels.ego_view(view, company_id, radius=_radius(), top=top))


@bp.route("/path")
@read_access
def path():
    """ "Who can introduce us": the shortest chains of ties between two organisations."""
    form = PathForm(request.args)
    # Links from elsewhere name the organisations by id: ?from=12&to=34.
    form.from_id.data = parse_id(request.args.get("from")) or form.from_id.data
    form.to_id.data = parse_id(request.args.get("to")) or form.to_id.data
    asked = any(
        request.args.get(name)
        for name in ("from", "to", "from_id", "to_id", "from_name", "to_name")
    )
    if asked and form.validate():
        try:
            source = resolve_organisation(
                db.session,
                company_id=form.from_id.data,
                typed=form.from_name.data,
                field="from_name",
                required=True,
            )
            target = resolve_organisation(
                db.session,
                company_id=form.to_id.data,
                typed=form.to_name.data,
                field="to_name",
                required=True,
            )
            if source.id == target.id:
                raise DomainError("to_name", _("Choose two different organisations."))
        except DomainError as error:
            show_domain_error(form, error)
        else:
            form.from_name.data = form.from_name.data or source.name
            form.to_name.data = form.to_name.data or target.name
            view = _view(queries.NetworkFilter())
            paths = []
            if source.id in view.graph and target.id in view.graph:
                paths = g.introduction_paths(view.graph, source.id, target.id, limit=3)
            names = {
                node: view.graph.nodes[node].get("name")
                for chain in paths
                for step in chain
                for node in (step["from"], step["to"])
            }
            return render_template(
                "network/path.html",
                form=form,
                paths=paths,
                callers=panels.introducers(db.session, paths),
                names=names,
                source=source,
                target=target,
                **_labels(),
            )
    return render_template(
        "network/path.html",
        form=form,
        paths=None,
        callers=[],
        names={},
        source=None,
        target=None,
        **_labels(),
    ), 400 if form.errors else 200


@bp.route("/clusters/<int:cluster_id>")
@read_access
def cluster(cluster_id: int):
    """A cluster's members' network: density, ties to other clusters, change per year."""
    record = db.get_or_404(Cluster, cluster_id)
    view = _view(queries.NetworkFilter())
    stats = g.cluster_stats(
        view.graph, queries.cluster_member_rows(db.session, cluster_id), cluster_id
    )
    return render_template(
        "network/cluster.html",
        cluster=record,
        stats=stats,
        names={node: view.graph.nodes[node].get("name") for node in stats["bridging_members"]},
        years=panels.cluster_years(
            db.session, cluster_id, version=view.version, today=local_today()
        ),
    )


@bp.route("/clusters/<int:cluster_id>/graph.json")
@read_access
def cluster_json(cluster_id: int):
    """The current members and the ties between them, in the map's format (built at once)."""
    db.get_or_404(Cluster, cluster_id)
    return _map_response(panels.cluster_view(db.session, cluster_id, today=local_today()))


# --- exports ----------------------------------------------------------------------------------


@bp.route("/export.<fmt>")
@read_access
def export(fmt: str):
    """The current filter's graph as GEXF, GraphML, JSON node-link or CSV (a zip of two files)."""
    if fmt not in exports.FORMATS:
        abort(404)
    _form, flt, _notices = _read_filter()
    view = _view(flt)
    file = exports.export_file(view, fmt, community_names=panels.community_labels(view))
    filename = f"koblingsboks-network-{local_today().isoformat()}.{file.extension}"
    return Response(
        file.body,
        mimetype=file.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""The collaboration network: links, link types, the district map, metrics, ego networks,
introduction paths, cluster figures and exports."""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import date
from pathlib import Path

import networkx as nx
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from crm.clusters.models import Cluster
from crm.common.access import admin_access, edit_access, read_access
from crm.common.errors import DomainError
from crm.common.forms import show_domain_error
from crm.common.pagination import page_args
from crm.companies.labels import COMPANY_KIND
from crm.companies.models import Company
from crm.companies.services import resolve_organisation
from crm.exports.spreadsheets import write_csv
from crm.extensions import db
from crm.network import bp, cache, forms, panels, queries, services
from crm.network import graph as g
from crm.network.forms import (
    DeactivateLinkTypeForm,
    DeleteLinkForm,
    EndLinkForm,
    LinkEditForm,
    LinkForm,
    LinkTypeForm,
    NetworkFilterForm,
    PathForm,
)
from crm.network.labels import COLOUR_BY, METRIC
from crm.network.models import CollaborationLink, LinkType

TABLE_SORTS = ("name", "degree", "weighted_degree", "pagerank", "betweenness", "community")


# --- helpers ----------------------------------------------------------------------------------


def _cache_dir() -> Path:
    configured = current_app.config.get("NETWORK_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "network-cache"


def _get_company(company_id: int) -> Company:
    return db.get_or_404(Company, company_id)


def _get_link(link_id: int) -> CollaborationLink:
    link = queries.get_link(db.session, link_id)
    if link is None:
        abort(404)
    return link


def _get_link_type(link_type_id: int) -> LinkType:
    return db.get_or_404(LinkType, link_type_id)


def _filter_form() -> tuple[NetworkFilterForm, queries.NetworkFilter, list[str]]:
    """The filter asked for; unknown ids and values are dropped with a notice, never a 500."""
    choices = queries.filter_choices(db.session)
    form = NetworkFilterForm(request.args)
    form.cluster.choices = forms.choices(choices.clusters)
    form.sector.choices = forms.choices(choices.sectors)
    form.focus_area.choices = forms.choices(choices.focus_areas)
    form.place.choices = forms.choices(choices.places)
    form.link_type.choices = forms.choices(choices.link_types)
    form.validate()
    notices: list[str] = []

    def chosen(field, known) -> tuple:
        known_values = {str(value) for value, _label in known}
        values = [value for value in (field.data or []) if value]
        unknown = [value for value in values if value not in known_values]
        if unknown:
            notices.append(
                _(
                    "%(field)s: %(values)s not found; left out of the filter.",
                    field=field.label.text,
                    values=", ".join(unknown),
                )
            )
        field.data = [value for value in values if value in known_values]
        return tuple(field.data)

    kinds = chosen(form.kind, COMPANY_KIND.lazy.items())
    clusters = tuple(int(v) for v in chosen(form.cluster, choices.clusters))
    sectors = tuple(int(v) for v in chosen(form.sector, choices.sectors))
    focus_areas = tuple(int(v) for v in chosen(form.focus_area, choices.focus_areas))
    places = tuple(int(v) for v in chosen(form.place, choices.places))
    link_types = chosen(form.link_type, choices.link_types)
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    if start and end and start > end:
        notices.append(_("The period ends before it starts; the dates were swapped."))
        start, end = end, start
    min_weight = (
        float(form.min_weight.data) if form.min_weight.data and not form.min_weight.errors else 0.0
    )
    for field, allowed in ((form.colour, COLOUR_BY), (form.size, METRIC)):
        if field.data not in allowed:
            field.data = field.default
    flt = queries.NetworkFilter(
        start=start,
        end=end,
        clusters=clusters,
        sectors=sectors,
        focus_areas=focus_areas,
        places=places,
        kinds=kinds,
        link_types=link_types,
        min_weight=min_weight,
    )
    return form, flt, notices


def _view(flt: queries.NetworkFilter) -> cache.NetworkView:
    return cache.get_view(
        db.session,
        flt,
        cache_dir=_cache_dir(),
        inline_limit=current_app.config.get("NETWORK_INLINE_LIMIT", cache.DEFAULT_INLINE_LIMIT),
    )


def _filter_args() -> dict:
    """The query string as url_for arguments, without paging and sorting."""
    args = request.args.to_dict(flat=False)
    for name in ("page", "sort", "submit"):
        args.pop(name, None)
    return args


class ListPage:
    """The pager macro's view of a Python list."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start : start + per_page]
        self.has_prev = self.page > 1
        self.has_next = self.page < self.pages
        self.prev_num = self.page - 1
        self.next_num = self.page + 1

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        """Page numbers with None for the gaps, as Flask-SQLAlchemy's pagination gives them."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or self.page - left_current <= number <= self.page + right_current
                or number > self.pages - right_edge
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def _node_rows(view: cache.NetworkView, sort: str) -> list[dict]:
    rows = []
    for node, data in view.graph.nodes(data=True):
        values = view.metrics.get(node, {})
        rows.append(
            {
                "id": node,
                "name": data.get("name"),
                "kind": data.get("kind"),
                "place": data.get("place"),
                **values,
            }
        )
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "name":
        rows.sort(key=lambda row: (str(row["name"]).lower(), row["id"]), reverse=descending)
    else:
        rows.sort(key=lambda row: (row.get(key, 0), -row["id"]), reverse=not descending)
    return rows


def _labels() -> dict:
    return {
        "kind_labels": COMPANY_KIND,
        "metric_labels": METRIC,
        "link_type_names": {lt.key: lt.name for lt in queries.list_link_types(db.session)},
    }


# --- the map and its table --------------------------------------------------------------------


@bp.route("/")
@read_access
def index():
    """The district map with its filters, legend, and the same nodes as a sortable table."""
    form, flt, notices = _filter_form()
    view = _view(flt)
    sort = request.args.get("sort", "-pagerank")
    if sort.lstrip("-") not in TABLE_SORTS:
        sort = "-pagerank"
    page, per_page = page_args()
    table = ListPage(_node_rows(view, sort), page, per_page)
    return render_template(
        "network/index.html",
        form=form,
        view=view,
        notices=notices,
        table=table,
        sort=sort,
        filter_args=_filter_args(),
        edges=view.graph.number_of_edges(),
        **_labels(),
    )


def _sig(value: float) -> float:
    return float(f"{value:.3g}")


# The map draws at most this many ties, the strongest first: beyond it the JSON passes 2 MB
# and the picture is a grey felt anyway. The table, exports and metrics keep every tie.
MAP_EDGE_LIMIT = 45_000


def map_json(view: cache.NetworkView, kind_labels: dict) -> dict:
    """to_sigma_json with what the map colours, sizes and shows in its side panel by."""
    data = g.to_sigma_json(view.graph, view.positions, view.metrics)
    edges_total = len(data["edges"])
    if edges_total > MAP_EDGE_LIMIT:
        data["edges"].sort(key=lambda edge: (-edge[2], edge[0], edge[1]))
        del data["edges"][MAP_EDGE_LIMIT:]
    sectors: list[str] = []
    sector_index: dict[str, int] = {}
    for node in data["nodes"]:
        attributes = node["attributes"]
        node_id = int(node["key"])
        facts = view.graph.nodes[node_id]
        values = view.metrics.get(node_id, {})
        attributes.pop("size", None)  # the browser sizes by the metric the user chooses
        attributes["d"] = values.get("degree", 0)
        attributes["wd"] = _sig(values.get("weighted_degree", 0.0))
        attributes["pr"] = _sig(values.get("pagerank", 0.0))
        if "betweenness" in values:
            attributes["bt"] = _sig(values["betweenness"])
        if facts.get("clusters"):
            attributes["cl"] = list(facts["clusters"])
        if facts.get("sectors"):
            name = facts["sectors"][0]
            attributes["se"] = sector_index.setdefault(name, len(sectors))
            if attributes["se"] == len(sectors):
                sectors.append(name)
    data["attributes"] = {
        "version": view.version,
        "edges_total": edges_total,
        "edges_shown": len(data["edges"]),
        "labels": {
            "kind": {key: str(label) for key, label in kind_labels.items()},
            "cluster": {str(k): v for k, v in view.cluster_names.items()},
            "sector": sectors,
        },
    }
    return data


@bp.route("/graph.json")
@read_access
def graph_json():
    """The map's data (graphology's format with compact edges); 202 while still computed."""
    _form, flt, _notices = _filter_form()
    view = _view(flt)
    if not view.slow_ready:
        return jsonify(ready=False), 202
    response = Response(
        json.dumps(
            map_json(view, _labels()["kind_labels"]), separators=(",", ":"), ensure_ascii=False
        ),
        mimetype="application/json",
    )
    return response


@bp.route("/status.json")
@read_access
def status_json():
    """Whether the slow figures of a filter are ready (the page polls this)."""
    _form, flt, _notices = _filter_form()
    view = _view(flt)
    return jsonify(ready=view.slow_ready, version=view.version)


@bp.route("/metrics")
@read_access
def metrics():
    """Organisations ranked by each metric, and the brokers."""
    form, flt, notices = _filter_form()
    view = _view(flt)
    limit = 25
    names = {node: data.get("name") for node, data in view.graph.nodes(data=True)}
    rankings = []
    for key, label in METRIC.items():
        if view.metrics and key in next(iter(view.metrics.values())):
            rankings.append((key, label, g.rank(view.metrics, key, limit=limit)))
        else:
            rankings.append((key, label, None))
    brokers = sorted(
        (node for node, values in view.metrics.items() if values.get("broker")),
        key=lambda node: (-view.metrics[node].get("betweenness", 0), node),
    )[:limit]
    return render_template(
        "network/metrics.html",
        form=form,
        view=view,
        notices=notices,
        rankings=rankings,
        brokers=brokers,
        names=names,
        filter_args=_filter_args(),
        **_labels(),
    )


# --- ego network, paths, clusters -------------------------------------------------------------


def _radius() -> int:
    radius = request.args.get("radius", 1, type=int)
    return radius if radius in (1, 2) else 1


def _reason_summary(reasons: list[dict]) -> dict:
    counts = {"link": [], "cluster": [], "meeting": [], "person": []}
    for reason in reasons:
        counts[reason["kind"]].append(reason)
    return counts


@bp.route("/companies/<int:company_id>/ego")
@read_access
def ego(company_id: int):
    """An organisation's neighbours up to two steps, on a small map and in a table."""
    company = _get_company(company_id)
    radius = _radius()
    view = _view(queries.NetworkFilter())
    rows = []
    if company_id in view.graph:
        network = g.ego_network(view.graph, company_id, radius=radius)
        hops = nx.single_source_shortest_path_length(network, company_id)
        for node in network:
            if node == company_id:
                continue
            data = view.graph.nodes[node]
            edge = (
                view.graph.edges[company_id, node]
                if view.graph.has_edge(company_id, node)
                else None
            )
            rows.append(
                {
                    "id": node,
                    "name": data.get("name"),
                    "kind": data.get("kind"),
                    "hops": hops[node],
                    "weight": edge["weight"] if edge else None,
                    "reasons": _reason_summary(edge["reasons"]) if edge else None,
                }
            )
        rows.sort(key=lambda row: (row["hops"], -(row["weight"] or 0), str(row["name"])))
    return render_template(
        "network/ego.html", company=company, radius=radius, rows=rows, **_labels()
    )


@bp.route("/companies/<int:company_id>/summary")
@read_access
def company_summary(company_id: int):
    """The organisation's strongest ties as an HTML fragment its page fetches after loading."""
    company = _get_company(company_id)
    return render_template(
        "network/_ego_summary.html",
        company=company,
        network_panel=panels.company_panel(db.session, company_id),
    )


@bp.route("/companies/<int:company_id>/ego.json")
@read_access
def ego_json(company_id: int):
    """The ego network in the map's format, laid out in rings around the organisation."""
    _get_company(company_id)
    view = _view(queries.NetworkFilter())
    if company_id not in view.graph:
        abort(404)
    network = g.ego_network(view.graph, company_id, radius=_radius())
    top = request.args.get("top", type=int)
    if top and top > 0:
        # The page's panel: the organisation and its `top` strongest direct ties, as its table.
        keep = [row["id"] for row in g.neighbour_rows(view.graph, company_id)[:top]]
        network = network.subgraph([company_id, *keep]).copy()
    sub = cache.NetworkView(
        version=view.version,
        filter=view.filter,
        graph=network,
        metrics={node: view.metrics.get(node, {}) for node in network},
        slow_ready=True,
        positions=g.ego_positions(network, company_id),
        cluster_names=view.cluster_names,
    )
    return jsonify(map_json(sub, _labels()["kind_labels"]))


@bp.route("/path")
@read_access
def path():
    """ "Who can introduce us": the shortest chains of ties between two organisations."""
    form = PathForm(request.args)
    if request.args.get("from", "").isdigit():
        form.from_id.data = int(request.args["from"])
    if request.args.get("to", "").isdigit():
        form.to_id.data = int(request.args["to"])
    paths = None
    source = target = None
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
            source = target = None
        else:
            form.from_name.data = form.from_name.data or source.name
            form.to_name.data = form.to_name.data or target.name
            view = _view(queries.NetworkFilter())
            if source.id in view.graph and target.id in view.graph:
                paths = g.introduction_paths(view.graph, source.id, target.id, limit=3)
            else:
                paths = []
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
                names=names,
                source=source,
                target=target,
                **_labels(),
            )
    status = 400 if form.errors else 200
    return render_template(
        "network/path.html",
        form=form,
        paths=None,
        names={},
        source=None,
        target=None,
        **_labels(),
    ), status


def _cluster_years(cluster_id: int, version: str) -> list[dict]:
    key = (version, "cluster-years", cluster_id)
    cached = cache.memory.get(key)
    if cached is not None:
        return cached
    rows = queries.read_graph_rows(db.session, queries.NetworkFilter(clusters=(cluster_id,)))
    this_year = date.today().year
    graphs = {}
    for year in range(this_year - 7, this_year + 1):
        window = (date(year, 1, 1), date(year, 12, 31))
        graphs[year] = g.build_graph(
            rows.nodes,
            links=rows.links,
            memberships=rows.memberships,
            meetings=rows.meetings,
            affiliations=rows.affiliations,
            window=window,
        )
    summary = g.yearly_summary(graphs)
    cache.memory.put(key, summary)
    return summary


@bp.route("/clusters/<int:cluster_id>")
@read_access
def cluster(cluster_id: int):
    """A cluster's members' network: density, ties to other clusters, change per year."""
    record = db.session.get(Cluster, cluster_id)
    if record is None:
        abort(404)
    view = _view(queries.NetworkFilter())
    stats = g.cluster_stats(
        view.graph, queries.cluster_member_rows(db.session, cluster_id), cluster_id
    )
    names = {node: view.graph.nodes[node].get("name") for node in stats["bridging_members"]}
    return render_template(
        "network/cluster.html",
        cluster=record,
        stats=stats,
        names=names,
        years=_cluster_years(cluster_id, view.version),
    )


@bp.route("/clusters/<int:cluster_id>/graph.json")
@read_access
def cluster_json(cluster_id: int):
    """The current members and the ties between them, in the map's format."""
    if db.session.get(Cluster, cluster_id) is None:
        abort(404)
    view = _view(queries.NetworkFilter())
    members = g.current_members(
        view.graph, queries.cluster_member_rows(db.session, cluster_id), cluster_id
    )
    network = view.graph.subgraph(members).copy()
    metrics = g.compute_fast_metrics(network)
    sub = cache.NetworkView(
        version=view.version,
        filter=view.filter,
        graph=network,
        metrics=metrics,
        slow_ready=True,
        # Discs per community of the members' own network: cheap and the same on every visit.
        positions=g.initial_positions(network),
        cluster_names=view.cluster_names,
    )
    return jsonify(map_json(sub, _labels()["kind_labels"]))


# --- exports ----------------------------------------------------------------------------------

EXPORT_FORMATS = {"gexf", "graphml", "json", "csv"}


def export_graph(view: cache.NetworkView, *, viz: bool) -> nx.Graph:
    """The view's graph with its metrics on the nodes, dated edges, cleaned for writing."""
    graph = g.dated_for_timeline(view.graph)
    for node, values in view.metrics.items():
        graph.nodes[node].update(values)
        if node in view.positions and not viz:
            graph.nodes[node]["x"], graph.nodes[node]["y"] = view.positions[node]
    cleaned = g.clean_for_export(graph)
    if viz:
        for node, (x, y) in view.positions.items():
            if node in cleaned:
                cleaned.nodes[node]["viz"] = {"position": {"x": float(x), "y": float(y), "z": 0.0}}
    return cleaned


@bp.route("/export.<fmt>")
@read_access
def export(fmt: str):
    """The current filter's graph as GEXF, GraphML, JSON node-link or CSV (a zip of two files)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    _form, flt, _notices = _filter_form()
    view = _view(flt)
    stamp = date.today().isoformat()
    filename = f"koblingsboks-network-{stamp}"
    if fmt == "gexf":
        buffer = io.BytesIO()
        nx.write_gexf(export_graph(view, viz=True), buffer)
        body, mimetype = buffer.getvalue(), "application/gexf+xml"
    elif fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(export_graph(view, viz=False), buffer)
        body, mimetype = buffer.getvalue(), "application/graphml+xml"
    elif fmt == "json":
        data = nx.node_link_data(export_graph(view, viz=False), edges="links")
        body = json.dumps(data, ensure_ascii=False).encode()
        mimetype = "application/json"
    else:
        graph = export_graph(view, viz=False)
        node_keys = sorted({key for _, data in graph.nodes(data=True) for key in data})
        edge_keys = sorted({key for _, _, data in graph.edges(data=True) for key in data})
        nodes = write_csv(
            ["id", *node_keys],
            (
                [node, *(data.get(key, "") for key in node_keys)]
                for node, data in graph.nodes(data=True)
            ),
        )
        edges = write_csv(
            ["source", "target", *edge_keys],
            (
                [a, b, *(data.get(key, "") for key in edge_keys)]
                for a, b, data in graph.edges(data=True)
            ),
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("nodes.csv", nodes)
            archive.writestr("edges.csv", edges)
        body, mimetype, fmt = buffer.getvalue(), "application/zip", "zip"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


# --- links ------------------------------------------------------------------------------------


def _link_type_choices(form, current: int | None = None) -> None:
    types = queries.list_link_types(db.session)
    form.link_type_id.choices = forms.choices(
        [("", _("Choose…"))] + [(lt.id, lt.name) for lt in types if lt.active or lt.id == current]
    )


@bp.route("/companies/<int:company_id>/links")
@read_access
def company_links(company_id: int):
    """An organisation's registered links."""
    company = _get_company(company_id)
    return render_template(
        "network/company_links.html",
        company=company,
        links=queries.list_company_links(db.session, company_id),
    )


@bp.route("/links/new", methods=["GET", "POST"])
@edit_access
def link_new():
    """Add a link from an organisation (?company_id=N) to another."""
    company_id = request.args.get("company_id", type=int)
    if company_id is None:
        abort(404)
    company = _get_company(company_id)
    form = LinkForm()
    _link_type_choices(form)
    if form.validate_on_submit():
        try:
            services.create_link(
                db.session,
                company_id=company.id,
                other_id=form.other_id.data,
                other_name=form.other_name.data,
                link_type_id=form.link_type_id.data,
                direction=form.direction.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                evidence=form.evidence.data or "",
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The link is saved."), "success")
            return redirect(url_for("network.company_links", company_id=company.id))
    return render_template(
        "network/link_form.html", form=form, company=company
    ), 400 if form.errors else 200


def _seen_from(link: CollaborationLink) -> int:
    requested = request.args.get("company_id", type=int)
    return requested if requested in (link.source_id, link.target_id) else link.source_id


def _direction(link: CollaborationLink, seen_from: int) -> str:
    if not link.directed:
        return "none"
    return "outgoing" if link.source_id == seen_from else "incoming"


@bp.route("/links/<int:link_id>/edit", methods=["GET", "POST"])
@edit_access
def link_edit(link_id: int):
    """Change a link's type, direction, period, evidence or note."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = LinkEditForm(obj=link)
    _link_type_choices(form, current=link.link_type_id)
    if request.method == "GET":
        form.version.data = link.version
        form.direction.data = _direction(link, seen_from)
    if form.validate_on_submit():
        try:
            services.update_link(
                db.session,
                link=link,
                seen_from=seen_from,
                link_type_id=form.link_type_id.data,
                direction=form.direction.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                evidence=form.evidence.data or "",
                note=form.note.data or "",
                version=form.version.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The link is saved."), "success")
            return redirect(url_for("network.company_links", company_id=seen_from))
    return render_template(
        "network/link_edit.html", form=form, link=link, seen_from=seen_from
    ), 400 if form.errors else 200


@bp.route("/links/<int:link_id>/end", methods=["GET", "POST"])
@edit_access
def link_end(link_id: int):
    """End a link on a date; it stays as history."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = EndLinkForm()
    if request.method == "GET":
        form.version.data = link.version
    if form.validate_on_submit():
        try:
            services.end_link(
                db.session, link=link, end_date=form.end_date.data, version=form.version.data
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The link is ended."), "success")
            return redirect(url_for("network.company_links", company_id=seen_from))
    return render_template(
        "network/link_end.html",
        form=form,
        link=link,
        seen_from=seen_from,
        delete_form=DeleteLinkForm(),
    ), 400 if form.errors else 200


@bp.route("/links/<int:link_id>/delete", methods=["POST"])
@edit_access
def link_delete(link_id: int):
    """Remove a link entered by mistake."""
    link = _get_link(link_id)
    seen_from = _seen_from(link)
    form = DeleteLinkForm()
    if not form.validate_on_submit():
        abort(400)
    services.delete_link(db.session, link=link)
    db.session.commit()
    flash(_("The link is deleted."), "success")
    return redirect(url_for("network.company_links", company_id=seen_from))


# --- link types (admins) ----------------------------------------------------------------------


@bp.route("/link-types")
@admin_access
def link_types():
    """The kinds of link staff can record."""
    return render_template(
        "network/link_types.html",
        link_types=queries.list_link_types(db.session),
        deactivate_form=DeactivateLinkTypeForm(),
    )


@bp.route("/link-types/new", methods=["GET", "POST"])
@admin_access
def link_type_new():
    """Add a link type."""
    form = LinkTypeForm()
    del form.active
    if form.validate_on_submit():
        try:
            services.create_link_type(
                db.session, name=form.name.data, position=form.position.data or 0
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The link type is saved."), "success")
            return redirect(url_for("network.link_types"))
    return render_template("network/link_type_form.html", form=form, link_type=None), (
        400 if form.errors else 200
    )


@bp.route("/link-types/<int:link_type_id>/edit", methods=["GET", "POST"])
@admin_access
def link_type_edit(link_type_id: int):
    """Rename, reorder or (de)activate a link type."""
    link_type = _get_link_type(link_type_id)
    form = LinkTypeForm(obj=link_type)
    if request.method == "GET":
        form.version.data = link_type.version
    if form.validate_on_submit():
        try:
            services.update_link_type(
                db.session,
                link_type=link_type,
                name=form.name.data,
                position=form.position.data or 0,
                active=form.active.data,
                version=form.version.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The link type is saved."), "success")
            return redirect(url_for("network.link_types"))
    return render_template("network/link_type_form.html", form=form, link_type=link_type), (
        400 if form.errors else 200
    )


@bp.route("/link-types/<int:link_type_id>/deactivate", methods=["POST"])
@admin_access
def link_type_deactivate(link_type_id: int):
    """Stop offering a link type for new links."""
    link_type = _get_link_type(link_type_id)
    if not DeactivateLinkTypeForm().validate_on_submit():
        abort(400)
    services.deactivate_link_type(db.session, link_type=link_type)
    db.session.commit()
    flash(_("%(name)s is no longer offered for new links.", name=link_type.name), "success")
    return redirect(url_for("network.link_types"))

"""The graph's version: one row, given a new random value by every committed write the graph
reads, kept by database triggers (crm.common.triggered_version says how and why).

The network's figures and layouts are cached by this version (crm.network.cache), so every page
that shows them reads it first. It was a fingerprint of counts, latest timestamps and sums over
eleven tables and three link tables, worked out on every request: 36 ms of CPU on SQLite and
about 100 ms of server time on PostgreSQL at Lillestrøm's scale, ten times that for the whole
country. Now it is one row read by its key; tests/network/test_queries.py fails when a trigger
is missing.
"""

from __future__ import annotations

from crm.common.triggered_version import TriggeredVersion

TABLE = "graph_version"
PREFIX = "graph_version_"

# Every table the graph is built from (crm.network.queries reads them): the records, and the
# link tables of meetings, strategies and sectors.
TABLES = (
    "companies",
    "collaboration_links",
    "link_types",
    "memberships",
    "clusters",
    "meetings",
    "affiliations",
    "contacts",
    "places",
    "sectors",
    "strategies",
    "meeting_companies",
    "meeting_strategies",
    "company_sectors",
)

GRAPH = TriggeredVersion(TABLE, TABLES)

read = GRAPH.read
trigger_names = GRAPH.trigger_names
drop_triggers = GRAPH.drop_triggers
create_triggers = GRAPH.create_triggers
create = GRAPH.create
drop = GRAPH.drop
recreate_triggers = GRAPH.recreate_triggers
include_name = GRAPH.include_name

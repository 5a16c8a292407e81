"""Display labels for the network's coded values (figures, colourings), translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.common.labels import label_table

# The figures of each organisation on the map, in the glossary's plain words.
METRIC = label_table(
    "network_metric",
    {
        "degree": _l("Ties"),
        "weighted_degree": _l("Total strength"),
        "pagerank": _l("Influence (PageRank)"),
        "betweenness": _l("Bridging (betweenness)"),
    },
)

# One line under each figure's name: what it means for the reader.
METRIC_HELP = {
    "degree": _l("How many organisations it has a tie to."),
    "weighted_degree": _l(
        "Its ties added up: a registered link counts 3, a shared person 2, a shared meeting 1 "
        "and a shared cluster 0.5 to 2."
    ),
    "pagerank": _l(
        "Its share of the network's attention: ties to organisations that are well tied "
        "themselves count the most."
    ),
    "betweenness": _l(
        "The share of the shortest ways between two others that pass through it: it joins "
        "groups that would otherwise be apart."
    ),
    "community": _l(
        "A group more tied to each other than to the rest, named after the cluster most of "
        "them share or after its most central members."
    ),
}

# What the colours of the map's dots tell.
COLOUR_BY = label_table(
    "network_colour",
    {
        "community": _l("Community"),
        "cluster": _l("Cluster"),
        "sector": _l("Sector"),
        "kind": _l("Kind of organisation"),
    },
)

# Which way a registered link runs, seen from the organisation whose page it is added on.
DIRECTION = label_table(
    "link_direction",
    {
        "none": _l("Both ways (no direction)"),
        "outgoing": _l("From this organisation to the other (e.g. it supplies or owns the other)"),
        "incoming": _l("From the other organisation to this one"),
    },
)

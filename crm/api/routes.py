"""Every resource module of the API, imported so that their views are on the blueprint."""

from crm.api import (  # noqa: F401
    clusters,
    docs,
    establishments,
    links,
    measures,
    meetings,
    network,
    organisations,
    people,
    strategies,
    tasks,
    trash,
)

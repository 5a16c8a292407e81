"""Every resource module of the API, imported so that their views are on the blueprint.

Measures (tiltak, the action plan) are built on the `plan` branch: at merge, add a module
`crm/api/measures.py` in the shape of `strategies.py` (list with the plan's filter form, read,
and create/update mirroring the plan's web views) and import it here.
"""

from crm.api import (  # noqa: F401
    clusters,
    docs,
    establishments,
    links,
    meetings,
    network,
    organisations,
    people,
    strategies,
    tasks,
)

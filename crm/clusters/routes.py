"""Clusters and networks: pages."""

from crm.clusters import bp  # noqa: F401

"""The collaboration network: pages."""

from crm.network import bp  # noqa: F401

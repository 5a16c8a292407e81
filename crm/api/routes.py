"""Every resource module of the API, imported so that their views are on the blueprint."""

from crm.api import docs, organisations, people  # noqa: F401

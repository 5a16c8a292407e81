"""Every feature's label tables, imported so the templates and the tests see them all."""

from flask import Flask

from crm.auth import labels as auth_labels
from crm.clusters import labels as cluster_labels
from crm.common.labels import label, labels
from crm.companies import labels as company_labels
from crm.contacts import labels as contact_labels
from crm.establishments import labels as establishment_labels
from crm.imports import labels as import_labels
from crm.indicators import labels as indicator_labels
from crm.meetings import labels as meeting_labels
from crm.network import labels as network_labels
from crm.plans import labels as plan_labels

FEATURE_LABELS = (
    auth_labels,
    cluster_labels,
    company_labels,
    contact_labels,
    establishment_labels,
    import_labels,
    indicator_labels,
    meeting_labels,
    network_labels,
    plan_labels,
)


def init_labels(app: Flask) -> None:
    """One filter and one global for every template: `x.kind | label("company_kind")`."""
    app.add_template_filter(label, "label")
    app.add_template_global(labels, "labels")

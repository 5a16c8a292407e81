"""Every feature's label tables, imported so the templates and the tests see them all."""

from flask import Flask

from crm.api import labels as api_labels
from crm.auth import labels as auth_labels
from crm.clusters import labels as cluster_labels
from crm.common.labels import label, labels
from crm.companies import labels as company_labels
from crm.contacts import labels as contact_labels
from crm.establishments import labels as establishment_labels
from crm.history import labels as history_labels
from crm.imports import labels as import_labels
from crm.indicators import labels as indicator_labels
from crm.meetings import labels as meeting_labels
from crm.network import labels as network_labels
from crm.plans import labels as plan_labels
from crm.register import labels as register_labels
from crm.tasks import labels as task_labels

FEATURE_LABELS = (
    api_labels,
    auth_labels,
    cluster_labels,
    company_labels,
    contact_labels,
    establishment_labels,
    history_labels,
    import_labels,
    indicator_labels,
    meeting_labels,
    network_labels,
    plan_labels,
    register_labels,
    task_labels,
)


def init_labels(app: Flask) -> None:
    """One filter and one global for every template: `x.kind | label("company_kind")`."""
    app.add_template_filter(label, "label")
    app.add_template_global(labels, "labels")

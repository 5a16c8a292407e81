"""The register as an early-warning system: changes of each register import, flag rules, and
register imports started from the web."""

from flask import Blueprint

bp = Blueprint("register", __name__, url_prefix="/register")

from crm.register import routes  # noqa: E402, F401


@bp.app_template_global("register_value")
def _register_value(name: str, value: object) -> str:
    from crm.register.labels import show_value

    return show_value(name, value)

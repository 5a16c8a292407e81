"""The JSON API under /api/v1: personal tokens, the web UI's services and access rules.

Authentication is by personal token only (`Authorization: Bearer kb_…`, or `X-API-Token` for
tools that keep Authorization for themselves). A browser's session cookie signs nobody in
here: the API takes no CSRF token, so a cookie would let any site a user visits write through
it. Tokens are never sent automatically by a browser, so the API needs no CSRF protection.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_api(app: Flask) -> None:
    """Mount the API after every web blueprint: its views take the access of theirs."""
    from crm.api import guard, routes  # noqa: F401  (the views, on the blueprint)
    from crm.api.problems import ApiProblem, from_exception, from_http_exception
    from crm.api.spec import declare_access
    from crm.common.access import GUARDS
    from crm.common.errors import RESPONDERS
    from crm.extensions import csrf

    csrf.exempt(bp)
    guard.limit(bp)
    app.register_blueprint(bp)
    app.register_error_handler(ApiProblem, from_exception)
    declare_access(app)
    app.extensions.setdefault(GUARDS, {})[bp.name] = guard.check_token
    app.extensions.setdefault(RESPONDERS, {})[bp.url_prefix] = from_http_exception

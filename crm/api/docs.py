"""/api/v1/openapi.json and /api/v1/docs: the description, and a page to read it."""

from __future__ import annotations

from flask import current_app, render_template

from crm.api import bp
from crm.api.spec import json_response, openapi_document
from crm.common.access import public


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description (no data in it: public, like any API's documentation)."""
    document = current_app.extensions.get("crm_openapi")
    if document is None:
        document = current_app.extensions["crm_openapi"] = openapi_document(current_app)
    response = json_response(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/docs")
@public
def docs():
    """The API's documentation page: a short guide and the operations from vendored Swagger UI."""
    return render_template("api/docs.html")

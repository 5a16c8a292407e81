"""Domain errors raised by services and the error pages."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain refused the change; `field` names the form field it concerns."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        # Often a lazy string, translated when shown: in the user's language, not the raiser's.
        self.message = message


class StaleObjectError(DomainError):
    """The record was changed by someone else since the form was loaded."""


# app.extensions key: {URL prefix: responder(HTTPException) -> Response} for parts of the app
# whose errors are read by programs (the API answers problem+json, even for unknown URLs).
RESPONDERS = "crm_error_responders"


def _responder(app: Flask):
    for prefix, responder in app.extensions.get(RESPONDERS, {}).items():
        if request.path.startswith(prefix):
            return responder
    return None


def _wants_json() -> bool:
    # The health check is read by machines; every other error is read by a person.
    return request.path == "/healthz"


def register_error_pages(app: Flask) -> None:
    """Answer errors with a page in the layout (JSON for the health check), never a stack trace."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("The form had expired or was not sent from this site. Please try again.")
        if _wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        responder = _responder(app)
        if responder is not None:
            return responder(error)
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("The page was not found."),
            405: _("That action is not allowed here."),
            413: _("The file or form is too large."),
            429: _("Too many attempts. Wait a little and try again."),
        }
        code = error.code or 500
        message = messages.get(code, error.description or "")
        if _wants_json():
            return jsonify(error=code, message=message), code
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        responder = _responder(app)
        if responder is not None:
            from werkzeug.exceptions import InternalServerError

            return responder(InternalServerError())
        message = _("Something went wrong on our side. The error has been logged.")
        if _wants_json():
            return jsonify(error=500, message=message), 500
        return render_template("errors/error.html", code=500, message=message), 500

"""WSGI entry point for gunicorn and `flask --app wsgi`."""

from crm import create_app
from crm.common.process import settle_for_serving

app = create_app()
# A serving process keeps the app for its lifetime: see crm.common.process.
settle_for_serving()

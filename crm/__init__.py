"""Koblingsboks: business relations and cluster network tracker for a municipality."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the application: configuration, database, security, language, features."""
    from crm.common.templating import TemplateEnvironment

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    # Before anything asks for app.jinja_env, which is made from this class on first use.
    app.jinja_environment = TemplateEnvironment
    load_config(app, config_class or config_from_env(), overrides)
    init_database(app)
    init_history(app)
    init_security(app)
    init_language(app)
    init_templates(app)
    init_input(app)
    init_mail(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    return app


def load_config(app: Flask, config_class: type[Config], overrides: dict) -> None:
    """Read the configuration class, apply overrides, and let the class refuse or complete it."""
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.prepare(app.config)


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate; SQLite gets its pragmas on every connection."""
    from crm import models  # noqa: F401  (every table must be known to Alembic)
    from crm.common.database import (
        begin_before_writes,
        configure_sqlite,
        include_name,
        keep_prepared_statements,
        ping_after_idle,
    )
    from crm.common.models import register_audit_listener, render_migration_item
    from crm.common.triggered_version import share_version_reads
    from crm.contacts.restriction import register_restriction_listener
    from crm.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_item=render_migration_item,
        include_name=include_name,
    )
    with app.app_context():
        configure_sqlite(app, db.engine)
        keep_prepared_statements(app, db.engine, db.session)
        ping_after_idle(db.engine)
        begin_before_writes(db.engine)
        share_version_reads(db.engine)
    register_audit_listener()
    register_restriction_listener()


def init_history(app: Flask) -> None:
    """The change log: every flush and Core write recorded, each request with its id."""
    from crm.history.tracking import new_request_id, register_history_listeners, send_request_id

    register_history_listeners()
    app.before_request(new_request_id)
    app.after_request(send_request_id)


def init_security(app: Flask) -> None:
    """Proxies, sign-in, CSRF, rate limits, the access guard and the response headers."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from config import trusted_proxy_count
    from crm.auth.loader import init_login
    from crm.auth.oidc import init_oidc
    from crm.auth.passwords import init_passwords
    from crm.common.access import enforce_access
    from crm.common.headers import set_security_headers
    from crm.extensions import csrf, limiter

    proxies = trusted_proxy_count(app.config)
    if proxies:
        # The client's address (what the sign-in limits count) and scheme as the trusted proxies
        # saw them; without a proxy the headers are the client's own words and are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    init_passwords(app)
    init_login(app)
    init_oidc(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(enforce_access)
    app.after_request(set_security_headers)


def init_language(app: Flask) -> None:
    """Bokmål first, English second, chosen per user."""
    from crm.common.language import init_babel

    init_babel(app)


def init_templates(app: Flask) -> None:
    """Jinja settings shared by every template."""
    from crm.common.fragments import shared_fragment
    from crm.common.markdown import markdown_text, render_markdown
    from crm.common.urls import id_url
    from crm.labels import init_labels
    from crm.lists.pick import pick_cell

    app.jinja_env.add_extension("jinja2.ext.do")
    # Every note and description is Markdown, shown the same way on every page.
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(markdown_text, "markdown_text")
    # A list's row links: routed once per page (crm.common.urls).
    app.add_template_global(id_url, "id_url")
    # A list's row checkbox for the bulk bar (crm.lists.pick).
    app.add_template_global(pick_cell, "pick_cell")
    # The main menu: the same for everyone with the same language, page and role.
    app.add_template_global(shared_fragment, "shared_fragment")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    init_labels(app)


def init_input(app: Flask) -> None:
    """Bounded input: every `<int:…>` in a URL is an id the database can hold, else a 404;
    query strings and forms carry no NUL characters."""
    from crm.common.converters import IdConverter, TextRequest

    # Before any rule is added (register_blueprints), so that every id route is bounded.
    app.url_map.converters["int"] = IdConverter
    app.request_class = TextRequest


def init_mail(app: Flask) -> None:
    """Refuse to start with a half mail setup (a server but no sender or BASE_URL, say)."""
    from crm.mail.smtp import mail_settings

    mail_settings(app.config)


def register_blueprints(app: Flask) -> None:
    """Mount every feature."""
    from crm.account import bp as account_bp
    from crm.api import init_api
    from crm.auth import bp as auth_bp
    from crm.briefs import bp as briefs_bp
    from crm.calendar import bp as calendar_bp
    from crm.clusters import bp as clusters_bp
    from crm.companies import bp as companies_bp
    from crm.contacts import bp as contacts_bp
    from crm.dashboard import bp as dashboard_bp
    from crm.establishments import bp as establishments_bp
    from crm.exports import bp as exports_bp
    from crm.health import bp as health_bp
    from crm.history import bp as history_bp
    from crm.home import bp as home_bp
    from crm.imports import bp as imports_bp
    from crm.indicators import bp as indicators_bp
    from crm.lists import bp as lists_bp
    from crm.lists import routes as _lists_routes  # noqa: F401  (its views, on the blueprint)
    from crm.meetings import bp as meetings_bp
    from crm.network import bp as network_bp
    from crm.plans import bp as plans_bp
    from crm.plans import routes as _plans_routes  # noqa: F401  (its views, on the blueprint)
    from crm.register import bp as register_bp
    from crm.reports import bp as reports_bp
    from crm.search import bp as search_bp
    from crm.strategy import bp as strategy_bp
    from crm.tasks import bp as tasks_bp
    from crm.trash import bp as trash_bp
    from crm.users import bp as users_bp

    for blueprint in (
        auth_bp,
        account_bp,
        users_bp,
        home_bp,
        health_bp,
        companies_bp,
        briefs_bp,
        contacts_bp,
        clusters_bp,
        meetings_bp,
        tasks_bp,
        strategy_bp,
        search_bp,
        establishments_bp,
        network_bp,
        imports_bp,
        register_bp,
        reports_bp,
        calendar_bp,
        exports_bp,
        lists_bp,
        plans_bp,
        indicators_bp,
        dashboard_bp,
        history_bp,
        trash_bp,
    ):
        app.register_blueprint(blueprint)
    # Last: each API view takes the access declared by the web view it mirrors.
    init_api(app)


def register_errors(app: Flask) -> None:
    """Error pages in the layout."""
    from crm.common.errors import register_error_pages

    register_error_pages(app)


def register_cli(app: Flask) -> None:
    """The `flask crm …` commands."""
    from crm.cli import crm_cli

    app.cli.add_command(crm_cli)

"""Personal iCalendar feeds: the page to make or renew one, and the feed itself."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.calendar import bp, queries, services
from crm.calendar import feed as ical
from crm.calendar.forms import RenewForm, StopForm
from crm.common.access import public, read_access
from crm.extensions import db


def _page(feed_url: str | None = None):
    return render_template(
        "calendar/index.html",
        has_feed=queries.has_feed(current_user),
        feed_url=feed_url,
        renew_form=RenewForm(),
        stop_form=StopForm(),
    )


@bp.route("/")
@read_access
def index():
    """Whether the user has a feed, and buttons to make a new address or turn it off."""
    return _page()


@bp.route("/renew", methods=["POST"])
@read_access
def renew():
    """Make a new secret feed address, shown once; the old address stops working at once."""
    form = RenewForm()
    if not form.validate_on_submit():
        abort(400)
    token = services.renew_feed_token(db.session, user=current_user)
    db.session.commit()
    url = url_for("calendar.feed", token=token, _external=True)
    return _page(feed_url=url)


@bp.route("/stop", methods=["POST"])
@read_access
def stop():
    """Turn the feed off."""
    form = StopForm()
    if not form.validate_on_submit():
        abort(400)
    services.stop_feed(db.session, user=current_user)
    db.session.commit()
    flash(_("Your calendar subscription is turned off."), "success")
    return redirect(url_for("calendar.index"))


@bp.route("/feed/<token>.ics")
@public  # the secret token in the address is the authentication (calendar apps cannot sign in)
def feed(token: str):
    """The user's calendar as iCalendar text."""
    user = queries.user_for_token(db.session, token)
    if user is None:
        abort(404)
    content = queries.feed_content(db.session, user.id)
    body = ical.build_feed(
        content,
        calendar_name=f"Koblingsboks – {user.name}",
        base_url=url_for("home.index", _external=True).rstrip("/"),
        timezone=current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Oslo"),
        texts={"case": _("Follow up"), "task": _("Task")},
    )
    return Response(body, content_type="text/calendar; charset=utf-8")

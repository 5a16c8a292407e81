"""Parts of the page frame that read the same for everyone with the same language, page and role.

The main menu is some twenty links, each routed and translated, in a macro per link: about a
sixth of a signed-in page's fixed cost (Python calls), on every page. Its HTML depends only on
the language, the app's root path, the page (which item is marked current) and the reader's
role, so it is rendered once per such combination and process, and kept with the app.

Nothing personal may go into such a fragment: its template reads no name, no record, nothing of
the session but what the key names. The catalogues and the routes it reads do not change while
the process runs; a template edited in development (auto-reload on) is rendered every time.
"""

from __future__ import annotations

from collections.abc import Hashable

from flask import current_app, render_template, request
from markupsafe import Markup

from crm.common.request_language import request_language

# A bound on what the cache may hold: languages × pages × roles stays far below it.
LIMIT = 2048


def shared_fragment(template: str, *key: Hashable) -> Markup:
    """`template` rendered alone, kept per language, root path and `key` (all it may depend on)."""
    app = current_app._get_current_object()
    cache: dict[tuple, Markup] = app.extensions.setdefault("crm_shared_fragments", {})
    full_key = (template, request_language().name, request.script_root, *key)
    html = cache.get(full_key)
    if html is None:
        # The template's own output, escaped as it rendered (autoescape): markup already.
        html = Markup(render_template(template))  # noqa: S704  # nosec B704
        if not app.jinja_env.auto_reload:
            if len(cache) >= LIMIT:
                cache.clear()
            cache[full_key] = html
    return html

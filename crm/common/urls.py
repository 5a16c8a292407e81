"""URL checks, and the links of a list's rows."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for

# An id no row has, to find where a URL holds its id. The int converter writes it as str() does.
_MARK = 918273645


def is_safe_redirect(target: str | None) -> bool:
    """Whether `target` is a path on this site (no scheme, no host, no `//` or backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_link(url: str | None) -> str | None:
    """The address when it is an http(s) URL with a host, else None (never a `javascript:` link).

    Stored addresses may predate the checks on input (imports, old rows): pages link only these.
    """
    url = (url or "").strip()
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def id_url(endpoint: str, key: str, **values: object) -> str:
    """The URL of `endpoint` for any id, as a %-format: `id_url("tasks.edit", "task_id") % 7`.

    A list links each of its fifty rows to the same page with its own id; `url_for` costs
    5 to 10 µs a call (the router's build), a `%` next to nothing: templates route once per
    page, then fill in each row's id. The result is the very text `url_for` gives.
    """
    url = url_for(endpoint, **values, **{key: _MARK})
    before, mark, after = url.partition(str(_MARK))
    if not mark:
        raise ValueError(f"{endpoint}'s URL does not hold {key}")
    return before.replace("%", "%%") + "%d" + after.replace("%", "%%")

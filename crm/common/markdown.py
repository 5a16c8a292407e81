"""Markdown written by users (every note and description), as HTML that cannot carry script.

Templates show such text only through the `markdown` filter (or `markdown_text` for a short
excerpt in a list); tests/common/test_markdown_everywhere.py holds every template to that.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote"}
    | {"h3", "h4", "h5", "h6"}
)
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

# CommonMark with raw HTML off: `<script>` in the source is shown as text, never as markup.
# A line break typed in the text box stays a line break, as it did before notes were Markdown.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """Show an image as a link to it: notes load nothing from other sites."""
    token = tokens[idx]
    source = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{escapeHtml(source)}">{escapeHtml(alt)}</a>'


_markdown.add_render_rule("image", _image_as_link)


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Keep an href only when it names an allowed scheme (no relative or scheme-less links)."""
    if tag == "a" and attribute == "href":
        try:
            scheme = urlsplit(value.strip()).scheme.lower()
        except ValueError:
            return None
        return value if scheme in ALLOWED_SCHEMES else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    attribute_filter=_only_absolute_links,
    url_schemes=set(ALLOWED_SCHEMES),
    link_rel="noopener noreferrer",
)


def render_markdown(text: str | None) -> Markup:
    """Render CommonMark to sanitised HTML; headings start at h3 so the page keeps one h1."""
    tokens = _markdown.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # Notes sit under the page's h1 and h2: `#` becomes h3, `####` and deeper h6.
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    # Sanitised by nh3 just above: only the allowed tags and attributes are left.
    return Markup(_cleaner.clean(html))  # noqa: S704  # nosec B704


def markdown_text(text: str | None) -> str:
    """The plain text of rendered Markdown, for an excerpt: `**bold**` reads as "bold"."""
    return render_markdown(text).striptags()

"""Security headers on every response."""

from __future__ import annotations

from flask import Response, current_app, request

# No inline script or style anywhere: escaping alone does not stop injected `javascript:`.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def set_security_headers(response: Response) -> Response:
    """Add CSP, nosniff, referrer policy and no-store for signed-in pages."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Not no-referrer: Flask-WTF's CSRF check needs a same-origin Referer over HTTPS.
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("SECURITY_HEADERS_HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and not (request.endpoint or "").endswith(".static"):
        # Pages carry personal data; a shared computer's cache must not keep them.
        headers.setdefault("Cache-Control", "no-store")
    return response

"""Security headers: HTML pages run only our own files, are never framed, leak no referrer."""

from __future__ import annotations

from flask import Flask, Response, request

# Scripts and styles come from our static files alone, so an injected <script> or style=
# does nothing (templates keep none inline; tests/browser watch for violations).
# object-src 'none' beyond the usual set: no page embeds plugin content, and default-src
# 'self' alone would let a same-origin file be embedded as one.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
# A year. Without includeSubDomains: the deployment's other hosts are not ours to pin to HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # The pages link to nothing that should learn where a reader came from.
    "Referrer-Policy": "no-referrer",
    # frame-ancestors, for browsers that predate it.
    "X-Frame-Options": "DENY",
}


def install(app: Flask, public_url: str | None) -> None:
    """Add the headers to `app`'s answers: all of them on HTML pages, nosniff on every answer
    (a JSON reply that echoes what someone typed must never be read as a page), and HSTS when
    the page is served over HTTPS: the public address is https (TLS ends at a proxy in front),
    or this request came over TLS itself."""
    public_https = public_url is not None and public_url.startswith("https://")

    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            for name, value in HTML_HEADERS.items():
                headers.setdefault(name, value)
            if public_https or request.is_secure:
                headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

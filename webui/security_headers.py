"""Security headers on every response: a Content-Security-Policy, no framing, no sniffing, no referrer abroad.

The policy allows only what the pages need:
- scripts only from this site: no inline script and no eval (the pages keep their scripts in
  webui/static and pass data in <script type="application/json"> blocks, which are not run);
- inline styles, because bpmn-js, dmn-js and form-js write style attributes into the markup they
  render (an inline style cannot run code);
- images from this site, data: URIs (the bundles' icons) and the map tile host of ONESTOP_MAP_TILES;
- forms posted to this site, and to the single sign-on provider (its login and end-session pages are a
  redirect away from the "Log in with ..." and "Log out" forms, and Chromium applies form-action to
  such a redirect).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response


def origin_of(url: str) -> str | None:
    """The scheme and host of `url` as a CSP source ("https://*.tile.example.org" for a {s} subdomain)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1].replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(map_tiles: str | None = None, sso_issuer: str | None = None) -> str:
    """The policy for this installation: its map tile host and single sign-on provider added."""
    images = ["'self'", "data:"]
    tiles = origin_of(map_tiles) if map_tiles else None
    if tiles:
        images.append(tiles)
    forms = ["'self'"]
    provider = origin_of(sso_issuer) if sso_issuer else None
    if provider:
        forms.append(provider)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": forms,
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def init_security_headers(app: Flask) -> None:
    """Add the headers to every response of `app`, pages, static files, JSON and errors alike."""
    policy = content_security_policy(app.config.get("ONESTOP_MAP_TILES"), app.config.get("ONESTOP_OIDC_ISSUER"))
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
        "X-Content-Type-Options": "nosniff",
        # Tracking links carry a secret token: never send this site's addresses to another site.
        "Referrer-Policy": "same-origin",
    }

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

"""Issue 12.6: the security headers on every response, and a policy that names only what this site uses."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from processes.unit import Database
from webui.app import create_app
from webui.security_headers import content_security_policy, origin_of

from .conftest import login


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


@pytest.mark.parametrize("path", ["/login", "/inbox", "/static/onestop.css", "/api/openapi.json", "/healthz",
                                  "/no-such-page", "/portal"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    login(client, "officer")
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    tiles = client.application.config.get("ONESTOP_MAP_TILES")  # the portal's map (OpenStreetMap by default)
    assert policy["img-src"] == ["'self'", "data:", *([origin_of(tiles)] if tiles else [])]


def test_no_template_runs_inline_script(app: Flask) -> None:
    """Inline <script> and on... handlers would be refused by script-src 'self'; JSON data blocks are fine."""
    assert app.jinja_loader is not None
    offenders = []
    for name in app.jinja_loader.list_templates():
        source = app.jinja_loader.get_source(app.jinja_env, name)[0]
        for tag in source.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            if "src=" not in head and 'type="application/json"' not in head:
                offenders.append(f"{name}: <script{head}>")
        if " onsubmit=" in source or " onclick=" in source or " onchange=" in source:
            offenders.append(f"{name}: inline event handler")
    assert offenders == []


def test_the_map_tile_host_joins_img_src(db: Database, deployed: None) -> None:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "t",
                      "ONESTOP_MAP_TILES": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"})
    try:
        policy = directives(app.test_client().get("/login").headers["Content-Security-Policy"])
    finally:
        app.extensions["onestop.db"].dispose()
    assert policy["img-src"] == ["'self'", "data:", "https://*.tile.openstreetmap.org"]


def test_without_map_tiles_images_come_from_this_site_only() -> None:
    assert directives(content_security_policy(map_tiles=""))["img-src"] == ["'self'", "data:"]


def test_the_single_sign_on_provider_joins_form_action() -> None:
    policy = directives(content_security_policy(sso_issuer="https://login.example.se/realms/kommun"))
    assert policy["form-action"] == ["'self'", "https://login.example.se"]


@pytest.mark.parametrize(("url", "origin"), [
    ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ("javascript:alert(1)", None),
    ("tiles/{z}/{x}/{y}.png", None),
])
def test_origin_of_a_url_is_its_scheme_and_host(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin

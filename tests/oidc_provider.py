"""A real OpenID Connect provider for the tests (oidc-provider-mock, built on Authlib's server side),
served on 127.0.0.1 at a free port: discovery, authorization, token, JWKS and userinfo endpoints.

`PUT /users/<sub>` sets the claims of a user; the authorization form is posted with `sub`. Claims
are merged into the ID token, so a test can make the provider sign a token with a wrong `aud` or `iss`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import oidc_provider_mock
import requests
from werkzeug.serving import make_server


@dataclass(frozen=True)
class Provider:
    issuer: str

    def set_user(self, sub: str, **claims: Any) -> None:
        response = requests.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Log `sub` in on the provider's form; the redirect back to the app (with code and state)."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@contextmanager
def running_provider() -> Iterator[Provider]:
    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)

"""A real OpenID Connect provider for the tests (oidc-provider-mock, built on Authlib's server side),
served on 127.0.0.1 at a free port: discovery, authorization, token, JWKS, userinfo and end-session
(RP-initiated logout) endpoints; `running_provider(end_session=False)` leaves the last out of discovery.

`PUT /users/<sub>` sets the claims of a user; the authorization form is posted with `sub`. Claims
are merged into the ID token, so a test can make the provider sign a token with a wrong `aud` or `iss`.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import oidc_provider_mock
import requests
from flask import Response
from joserfc import jwt
from joserfc.jwk import KeySet
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

    def end_session(self, end_session_url: str) -> str:
        """Open the provider's end-session page and confirm it, as the user would: where it sends the
        browser next (the post_logout_redirect_uri with our state)."""
        page = requests.get(end_session_url, timeout=10)
        assert page.status_code == 200, page.text
        match = re.search(r'name="redirect_uri" value="([^"]*)"', page.text)
        assert match, "the provider's end-session form has no redirect_uri"
        response = requests.post(f"{self.issuer}/oauth2/end_session/confirm",
                                 data={"redirect_uri": html.unescape(match.group(1))}, allow_redirects=False,
                                 timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def verify_id_token(self, token: str) -> dict[str, Any]:
        """The claims of an ID token whose signature is the provider's."""
        keys = KeySet.import_key_set(requests.get(f"{self.issuer}/jwks", timeout=10).json())
        return dict(jwt.decode(token, keys).claims)


@contextmanager
def running_provider(end_session: bool = True) -> Iterator[Provider]:
    app = oidc_provider_mock.app(require_nonce=True)
    if not end_session:
        @app.after_request
        def without_end_session(response: Response) -> Response:  # a provider without RP-initiated logout
            if response.is_json and response.json and "end_session_endpoint" in response.json:
                metadata = dict(response.json)
                del metadata["end_session_endpoint"]
                response.set_data(json.dumps(metadata))
            return response

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)

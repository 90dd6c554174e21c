"""Bearer-token authentication for the REST API: `Authorization: Bearer <API key>`."""

from __future__ import annotations

from typing import Any

from flask import g, request

from processes.apikeys import authenticate_api_key
from processes.models import User

from ..errors import error_response
from ..session import commit, db_session

PUBLIC_ENDPOINTS = {"api.openapi_document"}


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_user_key() -> Any:
    """Runs before every API view: a response (401/403) stops the request; None lets it through."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = bearer_token()
    if token is None:
        return _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    key = authenticate_api_key(db_session(), token)
    if key is None:
        return _unauthorized("the API key is not valid (unknown, revoked, or its user is inactive)")
    commit()  # keeps last_used_at even when the request itself changes nothing
    if key.user is None:
        return error_response(403, "this app key may only submit requests through Open311; "
                                   "the REST API needs a key bound to a user")
    g.api_user_id = key.user.id
    return None


def api_actor() -> User:
    """The user the request's API key acts as."""
    user = db_session().get(User, g.api_user_id)
    assert user is not None
    return user


def _unauthorized(message: str) -> Any:
    body, status = error_response(401, message)
    return body, status, {"WWW-Authenticate": 'Bearer realm="OneStop API"'}

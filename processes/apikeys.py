"""API keys for REST and Open311 clients: created by administrators, shown once, stored as a hash.

A key bound to a user acts as that user, under the same permission rules as the web pages; a key
without a user is an "app" key, which may only submit requests through Open311.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .authz import require
from .db import utcnow
from .errors import InvalidFormData, NotFound
from .models import ApiKey, User
from .texts import Text

PREFIX = "os_"
# last_used_at is for "is this key still in use?", not an audit trail: one write a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_key(session: Session, actor: User | None, name: str, user: User | None = None, *,
                   now: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key named `name` (bound to `user` when given); returns it with its plaintext, shown only now."""
    require(actor is None or actor.has_role("admin"), Text("only administrators create API keys"))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidFormData({"name": Text("give the key a name of 1 to 100 characters")})
    if user is not None and not user.active:
        raise InvalidFormData({"user": Text("user %(username)s is not active", username=user.username)})
    now = now or utcnow()
    plaintext = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(plaintext), user_id=user.id if user is not None else None,
                 created_at=now, active=True)
    session.add(key)
    session.flush()
    events.record(session, "api_key_created", at=now, actor=actor, key_id=key.id, name=name,
                  user=user.username if user is not None else None)
    return key, plaintext


def authenticate_api_key(session: Session, plaintext: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The active key with this plaintext (and an active user, if bound), else None.

    The lookup is by the SHA-256 of the key, so the time taken says nothing about how close a guess was."""
    if not plaintext or not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        return None
    digest = hash_key(plaintext)
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if key is None or not hmac.compare_digest(key.key_hash, digest) or not key.active:
        return None
    if key.user is not None and not key.user.active:
        return None
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= _TOUCH_EVERY:
        key.last_used_at = now
        session.flush()
    return key


def revoke_api_key(session: Session, actor: User | None, key_id: int, *, now: datetime | None = None) -> ApiKey:
    """Switch a key off for good; requests with it are refused from now on."""
    require(actor is None or actor.has_role("admin"), Text("only administrators revoke API keys"))
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(Text("API key %(key_id)s not found", key_id=key_id))
    if key.active:
        key.active = False
        events.record(session, "api_key_revoked", at=now or utcnow(), actor=actor, key_id=key.id, name=key.name)
        session.flush()
    return key


def list_api_keys(session: Session, actor: User | None) -> list[ApiKey]:
    """Every key, newest first (administrators only); the plaintexts are not kept."""
    require(actor is None or actor.has_role("admin"), Text("only administrators list API keys"))
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))

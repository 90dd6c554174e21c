"""Accounts of people who log in through the municipality's identity provider (OpenID Connect).

The provider vouches for who someone is; OneStop decides what they may do from one claim of the
ID token (`groups` by default), through a mapping the administrator writes once:

    {"kc-staff": ["role:csu_agent", "group:csu"],
     "streets-officers": ["role:officer", "group:streets_parks"],
     "streets-heads": ["role:manager", "manager:streets_parks"],
     "it-admins": ["role:admin"]}

`role:NAME` grants a role, `group:NAME` a membership, `manager:NAME` a membership as the group's
manager. At every login the user's roles and memberships become exactly what the claim maps to, so a
change at the provider takes effect at the next login.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ROLES, Group, Membership, User

GRANT = re.compile(r"(role|group|manager):([a-z][a-z0-9_]*)")
USERNAME_CHARS = re.compile(r"[^a-z0-9_.-]+")


@dataclass
class Grants:
    """What a set of claim values gives: roles, and groups with whether the user manages each."""

    roles: set[str] = field(default_factory=set)
    groups: dict[str, bool] = field(default_factory=dict)

    def add(self, kind: str, name: str) -> None:
        if kind == "role":
            self.roles.add(name)
        else:
            self.groups[name] = self.groups.get(name, False) or kind == "manager"


def parse_group_map(text: str | None) -> dict[str, list[tuple[str, str]]]:
    """The claim-value mapping from its JSON text; ValueError says what is wrong with it."""
    if not text or not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"ONESTOP_OIDC_GROUP_MAP is not JSON: {err}") from None
    if not isinstance(raw, dict):
        raise ValueError("ONESTOP_OIDC_GROUP_MAP must be a JSON object: {\"claim value\": [\"role:officer\", ...]}")
    mapping: dict[str, list[tuple[str, str]]] = {}
    for value, grants in raw.items():
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise ValueError(f"ONESTOP_OIDC_GROUP_MAP[{value!r}] must be a list of strings")
        parsed = []
        for grant in grants:
            match = GRANT.fullmatch(grant.strip())
            if match is None:
                raise ValueError(f"ONESTOP_OIDC_GROUP_MAP[{value!r}]: {grant!r} is not role:NAME, group:NAME "
                                 "or manager:NAME")
            kind, name = match.groups()
            if kind == "role" and name not in ROLES:
                raise ValueError(f"ONESTOP_OIDC_GROUP_MAP[{value!r}]: unknown role {name!r} "
                                 f"(roles: {', '.join(ROLES)})")
            parsed.append((kind, name))
        mapping[value] = parsed
    return mapping


def claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The values of `claim`: a list of strings, or one string (providers send either)."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def grants_for(values: Iterable[str], mapping: Mapping[str, list[tuple[str, str]]]) -> Grants:
    grants = Grants()
    for value in values:
        for kind, name in mapping.get(value, []):
            grants.add(kind, name)
    return grants


@dataclass
class ExternalLogin:
    """The outcome of a single sign-on: the user, and the mapped groups that do not exist in OneStop."""

    user: User
    missing_groups: list[str]


def sign_in_external(session: Session, issuer: str, claims: Mapping[str, Any], grants: Grants) -> ExternalLogin:
    """The user of the provider's subject `claims["sub"]`, created at the first login, with name, e-mail,
    roles and memberships brought up to date from the claims and `grants`."""
    subject = str(claims["sub"])
    user = session.scalars(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)).first()
    if user is None:
        user = User(username=_free_username(session, issuer, claims), oidc_issuer=issuer, oidc_subject=subject,
                    display_name="", active=True, password_hash=None)
        session.add(user)
    user.display_name = str(claims.get("name") or user.display_name or user.username)[:200]
    if isinstance(claims.get("email"), str):
        user.email = claims["email"][:254]
    user.roles = sorted(grants.roles)
    session.flush()
    return ExternalLogin(user, _sync_memberships(session, user, grants.groups))


def _sync_memberships(session: Session, user: User, wanted: dict[str, bool]) -> list[str]:
    groups = {group.name: group for group in session.scalars(select(Group).where(Group.name.in_(wanted)))}
    current = {m.group_id: m for m in session.scalars(select(Membership).where(Membership.user_id == user.id))}
    keep = {groups[name].id for name in wanted if name in groups}
    for group_id, membership in current.items():
        if group_id not in keep:
            session.delete(membership)
    for name, manager in wanted.items():
        if name not in groups:
            continue
        existing = current.get(groups[name].id)
        if existing is None:
            session.add(Membership(user_id=user.id, group_id=groups[name].id, is_manager=manager))
        else:
            existing.is_manager = manager
    session.flush()
    return sorted(set(wanted) - set(groups))


def _free_username(session: Session, issuer: str, claims: Mapping[str, Any]) -> str:
    """A username from preferred_username, the e-mail's local part or the subject; a short hash of the
    identity is added when a local account already has it (never take over someone else's account)."""
    email = claims.get("email")
    email = email if isinstance(email, str) else ""
    wanted = str(claims.get("preferred_username") or email.split("@")[0] or claims["sub"])
    base = USERNAME_CHARS.sub("-", wanted.casefold()).strip("-.")[:56] or "sso-user"
    if session.scalars(select(User.id).where(User.username == base)).first() is None:
        return base
    identity = f"{issuer} {claims['sub']}"
    return f"{base}-{hashlib.sha256(identity.encode()).hexdigest()[:6]}"

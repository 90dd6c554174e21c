"""The app the security tests attack: real database, no rate limit, no CSRF token to fetch first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from processes.unit import Database
from webui.app import create_app


@pytest.fixture
def app(db: Database) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    yield app
    app.extensions["onestop.db"].dispose()

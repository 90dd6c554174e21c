"""A throwaway PostgreSQL schema for one bench run: created, handed out as a URL, dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url, text

from processes.db import make_engine


@contextmanager
def throwaway_schema(server_url: str, prefix: str = "onestop_bench", **query: str) -> Iterator[str]:
    """The URL of a new schema `<prefix>_<random>` in `server_url`'s database (its search_path, plus
    `query` options such as application_name); the schema and all in it are dropped when the block
    ends, whatever happens. Never touches other data."""
    admin = make_engine(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={name}", **query})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()

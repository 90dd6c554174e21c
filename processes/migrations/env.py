"""Alembic environment for OneStop.

Configured in code by processes.db (alembic_config): the connection comes from
`config.attributes["connection"]` or the URL from `sqlalchemy.url`. Logging is left to the
application, so there is no fileConfig here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from processes.db import make_engine
from processes.knowledge import is_search_object
from processes.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit the SQL instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; autogenerate must write batch operations for it.
        render_as_batch=connection.dialect.name == "sqlite",
        # The knowledge-base search objects are made by hand in 0001, not from the models.
        include_object=lambda _obj, name, _type, _reflected, _other: not is_search_object(name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as own_connection:
            run_with(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

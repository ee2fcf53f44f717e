"""Alembic environment of the warehouse: runs migrations on the URL or connection the caller passes.

``warehouse.migrate`` hands over an open connection (``config.attributes["connection"]``); the alembic CLI
passes ``-x url=…``; otherwise the URL comes from the NEWSETL_* settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from transforms.settings import Settings
from warehouse.engine import make_engine
from warehouse.models import Base
from warehouse.schema_objects import include_object

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or Settings.from_env().resolved_warehouse_url()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: the views differ per engine")
run_migrations_online()

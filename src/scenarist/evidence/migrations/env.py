"""Alembic environment of the evidence store.

Scenarist calls the migrations programmatically with an open connection (``config.attributes["connection"]``);
run from the command line (``alembic -c .../alembic.ini``) it connects to ``-x url=...`` or ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from scenarist.evidence.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        if config.config_file_name is not None:
            from logging.config import fileConfig

            fileConfig(config.config_file_name)
        engine = create_engine(_url())
        with engine.begin() as conn:
            _run(conn)

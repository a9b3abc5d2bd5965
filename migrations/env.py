"""Alembic environment wired to models.py; the app and the CLI pass their own connection."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

import models
from qr.config import load_settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)

target_metadata = models.SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Write models.UTCDateTime as a plain timezone-aware DateTime so migrations import nothing of ours."""
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
else:
    if "DATABASE_URL" in os.environ or config.get_main_option("sqlalchemy.url") == "sqlite:///data/board.db":
        config.set_main_option("sqlalchemy.url", load_settings().database_url.replace("%", "%%"))
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()

"""Fresh databases on the backend under test: QR_TEST_DB=sqlite (the default) or postgresql.

On PostgreSQL every database lives on the server QR_TEST_PG_URL names (scripts/with-postgres
starts one); a copy of the migrated template is a CREATE DATABASE … TEMPLATE, as cheap as the
SQLite file copy. A missing server fails the run: it never falls back to SQLite.
"""
import functools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

BACKEND = os.environ.get("QR_TEST_DB", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"QR_TEST_DB={BACKEND!r}: use sqlite or postgresql")

made = 0          # databases made in this process (their names count on it); tests/conftest.py checks that a test
                  # said it would make them


def pg_server_url() -> str:
    url = os.environ.get("QR_TEST_PG_URL")
    if not url:
        raise RuntimeError("no PostgreSQL server for the tests: QR_TEST_PG_URL is not set "
                           "(run the suite with `bash scripts/test`, which starts one)")
    return url


def _admin(statement: str):
    """One statement on the server's maintenance database, outside a transaction (CREATE and DROP DATABASE need
    that); its one value when it returns rows."""
    engine = create_engine(pg_server_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            result = connection.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


@functools.cache
def _file_copy() -> str:
    """PostgreSQL 15 copies a template through the WAL unless told otherwise: a file copy of our small template
    takes half the time (12 ms against 25, the suite makes one per test)."""
    return " STRATEGY FILE_COPY" if int(_admin("SHOW server_version_num")) >= 150000 else ""


def new_database(directory: Path, *, template: str | None = None, backend: str = BACKEND) -> str:
    """The URL of a new database: empty, or a copy of `template` (a URL this module made)."""
    global made
    made += 1
    name = f"qrt_{os.getpid()}_{made}"
    if backend == "sqlite":
        path = Path(directory) / f"{name}.db"
        if template is not None:
            shutil.copy(make_url(template).database, path)
        return f"sqlite:///{path}"
    copy = f' TEMPLATE "{make_url(template).database}"{_file_copy()}' if template else ""
    _admin(f'CREATE DATABASE "{name}"{copy}')
    return make_url(pg_server_url()).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """PostgreSQL databases are dropped (connections still open are ended); SQLite files go with tmp_path."""
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

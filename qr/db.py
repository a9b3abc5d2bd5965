"""Engine, sessions and schema upgrades; the only place that knows SQLite from PostgreSQL."""
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from qr.config import ROOT, load_settings

_engine: Engine | None = None


def make_engine(url: str) -> Engine:
    """SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writers, so 'locked' never reaches a user."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("qr_write") else "BEGIN")

    return engine


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = make_engine(load_settings().database_url)
    return _engine


def use_engine(engine: Engine | None) -> None:
    """Point the store at another database (tests, CLI); None goes back to DATABASE_URL."""
    global _engine
    _engine = engine


@contextmanager
def read_session(engine: Engine | None = None):
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None):
    """A session whose transaction takes the write lock up front (SQLite) and rolls back on error."""
    engine = engine or get_engine()
    with Session(engine.execution_options(qr_write=True), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(engine: Engine | None = None) -> None:
    """Bring the schema to the newest migration (Alembic owns the schema, never create_all)."""
    engine = engine or get_engine()
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def has_schema(engine: Engine | None = None) -> bool:
    return inspect(engine or get_engine()).has_table("issue")


def insert_ignoring_duplicates(session: Session, table, **values) -> None:
    """INSERT … ON CONFLICT DO NOTHING in the session's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


SQLITE_HEADER = b"SQLite format 3\x00"


class BackupUnavailable(Exception):
    """The database kind has no backup here yet (PostgreSQL: a portable dump is still to come)."""

    def __init__(self, dialect: str):
        super().__init__(f"backup and restore work on SQLite only for now, not on {dialect}")


def backup_to(path: Path, engine: Engine | None = None) -> None:
    """A consistent copy of the live SQLite database (SQLite's online backup: writers may go on meanwhile)."""
    engine = engine or get_engine()
    if engine.dialect.name != "sqlite":
        raise BackupUnavailable(engine.dialect.name)
    source = engine.raw_connection()
    try:
        with closing(sqlite3.connect(path)) as target:
            source.driver_connection.backup(target)
    finally:
        source.close()


def restore_from(path: Path, engine: Engine | None = None) -> None:
    """Replace the database's content with a backup's, then bring the schema up to date."""
    engine = engine or get_engine()
    if engine.dialect.name != "sqlite":
        raise BackupUnavailable(engine.dialect.name)
    with open(path, "rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ValueError("not a SQLite backup")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError("the backup is damaged")
        if not source.execute("SELECT 1 FROM sqlite_master WHERE name = 'issue'").fetchone():
            raise ValueError("not a QR Board database")
        target = engine.raw_connection()
        try:
            source.backup(target.driver_connection)
        finally:
            target.close()
    engine.dispose()
    upgrade(engine)

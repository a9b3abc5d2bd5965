"""Engine, sessions and schema upgrades; the only place that knows SQLite from PostgreSQL."""
import fcntl
import glob
import operator
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (the tables a backup copies are the models' metadata)
from qr.config import DEFAULT_DATABASE_URL, ROOT, load_settings

_engine: Engine | None = None
_engines_by_url: dict[str, Engine] = {}


# The database could not be reached or answered with a driver error (server down, file gone, pool exhausted):
# a screen that only shows the board keeps its last drawing and says so, instead of an error.
UNREACHABLE = (DBAPIError, PoolTimeout)


def make_engine(url: str) -> Engine:
    """SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writers, so 'locked' never reaches a user;
    PostgreSQL a pool sized by the settings (QR_DB_POOL_*)."""
    if not url.startswith("sqlite"):
        settings = load_settings()
        return create_engine(url, pool_pre_ping=True, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout)
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
    """The engine set by use_engine, else one per DATABASE_URL (a changed setting gets its own engine)."""
    if _engine is not None:
        return _engine
    url = load_settings().database_url
    if url not in _engines_by_url:
        _engines_by_url[url] = make_engine(url)
    return _engines_by_url[url]


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
    """Bring the schema to the newest migration (Alembic owns the schema, never create_all).

    On SQLite a migration that changes a table rebuilds it (batch mode: copy, drop, rename); with foreign keys
    enforced, dropping a table other rows point at fails. So they are off while the migrations run, as SQLite's
    and Alembic's documentation say, and every reference is checked before the transaction commits."""
    engine = engine or get_engine()
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:                  # outside any transaction, where SQLite takes the pragma
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first() if sqlite else None
                if broken is not None:
                    raise RuntimeError(f"the upgrade would leave a broken reference: {tuple(broken)}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


class SchemaBehind(Exception):
    """The database's schema is not the one this code was written for: running on it could lose data."""

    def __init__(self, current: str | None, head: str):
        self.current, self.head = current, head
        if current is None:
            reason = "the database holds tables but no QR Board schema version; point DATABASE_URL at an empty " \
                     "database or a QR Board database"
        elif _known_revision(current):
            reason = f"the database schema is at revision {current}, this QR Board needs {head}: " \
                     "run `python -m qr init-db` to upgrade it"
        else:
            reason = f"the database schema is at revision {current}, which this QR Board does not know " \
                     f"(it needs {head}): the database was upgraded by a newer QR Board"
        super().__init__(reason)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(DEFAULT_DATABASE_URL))


def _known_revision(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def head_revision() -> str:
    return _scripts().get_current_head()


def schema_revision(engine: Engine | None = None) -> str | None:
    """The Alembic revision the database is at; None for a database without a schema."""
    with (engine or get_engine()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def health(engine: Engine | None = None) -> dict[str, str]:
    """What a load balancer asks: is the database reachable, and is its schema the one this code needs
    (current), an older one (behind: run init-db), one this code does not know (ahead) or none yet (empty)."""
    engine = engine or get_engine()
    try:
        current = schema_revision(engine)
    except DBAPIError:
        return {"database": "unreachable", "schema": "unknown"}
    head = head_revision()
    if current == head:
        return {"database": "ok", "schema": "current"}
    if current is None:
        return {"database": "ok", "schema": "empty"}
    return {"database": "ok", "schema": "behind" if _known_revision(current) else "ahead"}


def ensure_schema(engine: Engine | None = None) -> bool:
    """Create the schema in an empty database (True); accept a current one; refuse any other (SchemaBehind)."""
    engine = engine or get_engine()
    head, current = head_revision(), schema_revision(engine)
    if current == head:
        return False
    if current is None and not inspect(engine).get_table_names():
        upgrade(engine)
        return True
    raise SchemaBehind(current, head)


@contextmanager
def setup_lock(engine: Engine | None = None):
    """One process at a time creates the schema and the first data: instances may start together."""
    engine = engine or get_engine()
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _SETUP_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SETUP_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.setup-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


_SETUP_LOCK_KEY = 0x51520001   # "QR" and 1: the advisory lock id of first-start preparation


def insert_ignoring_duplicates(session: Session, table, **values) -> None:
    """INSERT … ON CONFLICT DO NOTHING in the session's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """Many rows of one table (each with the same keys) in the session's transaction, handed to the driver
    directly: PostgreSQL's COPY, since psycopg's executemany sends one statement per row; SQLite's executemany
    with each value converted by its column type's own bind processor, as SQLAlchemy stores it, without the
    per-row parameter dictionaries that cost an import of 5,000 issues more than SQLite's own work."""
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{column}"' for column in columns)
    ordered = operator.itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    dialect = session.get_bind().dialect
    with closing(session.connection().connection.driver_connection.cursor()) as cursor:
        if dialect.name == "postgresql":
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(ordered(row))
            return
        converters = [table.c[column].type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
        stored = ([value if convert is None else convert(value) for convert, value in zip(converters, ordered(row))]
                  for row in rows)
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})', stored)


SQLITE_HEADER = b"SQLite format 3\x00"


class BackupRefused(ValueError):
    """A backup or restore that cannot be done, with the reason (a file, a damaged backup, a SQLite error)."""


@contextmanager
def _refusing():
    try:
        yield
    except BackupRefused:
        raise
    except (OSError, ValueError, sqlite3.Error) as problem:
        raise BackupRefused(str(problem)) from problem


def backup_to(path: Path, engine: Engine | None = None, *, force: bool = False, pg_dump: bool = False) -> None:
    """A consistent copy of the live database as one SQLite file, whichever database is live (writers go on).

    SQLite uses its online backup; PostgreSQL is read in one REPEATABLE READ snapshot into a migrated file,
    so a backup restores into either kind of database (also the way from one PC to the plant's server).
    An existing file is kept unless `force`; the live SQLite database itself never is, whatever `force` says.
    `pg_dump`: PostgreSQL's own custom format instead (many times faster on a large server database; it
    restores into PostgreSQL only).
    """
    engine = engine or get_engine()
    path = Path(path)
    if _is_live_file(engine, path):
        raise BackupRefused("this is the live database itself (or its journal): a backup never writes over it")
    if path.exists() and not force:
        raise BackupRefused("the file already exists: give --force to write over it")
    with _refusing():
        _backup(engine, path, force, pg_dump)


def _is_live_file(engine: Engine, path: Path) -> bool:
    """Whether `path` is the SQLite database `engine` works on, or one of the files SQLite keeps beside it."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return False
    live = Path(database).resolve()
    return path.resolve() in {live, *(live.with_name(live.name + end) for end in ("-wal", "-shm", "-journal"))}


def _backup(engine: Engine, path: Path, force: bool, pg_dump: bool) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if pg_dump:
            if engine.dialect.name != "postgresql":
                raise ValueError("--format pg_dump is for a PostgreSQL database; SQLite's backup is the portable one")
            _pg_tool(engine, "pg_dump", "--format=custom", "--file", str(partial))
        elif engine.dialect.name == "sqlite":
            source = engine.raw_connection()
            try:
                with closing(sqlite3.connect(partial)) as target:
                    source.driver_connection.backup(target)
            finally:
                source.close()
        else:
            if schema_revision(engine) != head_revision():
                raise ValueError("the database schema is not current: run `python -m qr init-db` first")
            target = make_engine(f"sqlite:///{partial}")
            try:
                upgrade(target)
                _copy_content(engine, target)
            finally:
                target.dispose()
        if force:
            partial.replace(path)
        else:
            try:
                os.link(partial, path)      # no-clobber: a file that appeared meanwhile is kept
            except FileExistsError:
                raise BackupRefused("the file already exists: give --force to write over it") from None
    finally:
        partial.unlink(missing_ok=True)


def restore_from(path: Path, engine: Engine | None = None, *, force: bool = False) -> None:
    """Replace the database's content with a backup's, then bring the schema up to date. A database that holds
    a plant's data is replaced only with `force`: a restore into the wrong DATABASE_URL must not erase a board."""
    engine = engine or get_engine()
    path = Path(path)
    if _is_live_file(engine, path):
        raise BackupRefused("this is the live database itself, not a backup of it")
    with _refusing():
        _restore(engine, path, force)


def _refuse_holding_data(engine: Engine, force: bool) -> None:
    held = plant_data(engine)
    if held and not force:
        counts = ", ".join(f"{count} {_PLURAL[table]}" for table, count in held.items())
        raise ValueError(f"the database already holds data ({counts}): give --force to replace it")


PG_DUMP_HEADER = b"PGDMP"


def _restore_pg_dump(engine: Engine, path: Path, force: bool) -> None:
    """pg_restore of a `--format pg_dump` backup, in one transaction, after the same checks as a portable one."""
    if engine.dialect.name != "postgresql":
        raise ValueError("a pg_dump backup restores into PostgreSQL only; use a portable backup for SQLite")
    listing = _pg_tool(engine, "pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path),
                       database=False)
    lines = listing.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("COPY public.alembic_version")), None)
    revision = lines[start + 1].strip() if start is not None and start + 1 < len(lines) else None
    if revision is None or not _known_revision(revision):
        raise ValueError(f"the backup's schema revision {revision} is not one this QR Board knows")
    _refuse_holding_data(engine, force)
    engine.dispose()
    _pg_tool(engine, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", str(path))
    upgrade(engine)


def _pg_tool(engine: Engine, name: str, *arguments: str, database: bool = True) -> str:
    """Run Debian's newest pg_dump or pg_restore on the engine's database (the password in the environment,
    not on a command line others can list); its output, or its error as a refusal."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[4]))
    binary = found[-1] if found else shutil.which(name)
    if binary is None:
        raise ValueError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    url = engine.url
    target = ["--dbname", url.set(drivername="postgresql", password=None).render_as_string()] if database else []
    done = subprocess.run([binary, *target, *arguments], capture_output=True, text=True,
                          env={**os.environ, "PGPASSWORD": url.password or ""})
    if done.returncode != 0:
        raise ValueError(f"{name} failed: {done.stderr.strip()}")
    return done.stdout


_PLURAL = {"issue": "issues", "person": "people", "area": "areas"}


def plant_data(engine: Engine) -> dict[str, int]:
    """The plant's own rows the database holds (issues, people, areas), by table; empty for a new or freshly
    initialised database, whose default templates, categories and rules a restore may replace freely."""
    tables = [name for name in ("issue", "person", "area") if name in inspect(engine).get_table_names()]
    with engine.connect() as connection:
        counts = {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in tables}
    return {name: count for name, count in counts.items() if count}


def _restore(engine: Engine, path: Path, force: bool) -> None:
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header.startswith(PG_DUMP_HEADER):
        _restore_pg_dump(engine, path, force)
        return
    if header != SQLITE_HEADER:
        raise ValueError("not a SQLite backup nor a pg_dump archive")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError("the backup is damaged")
        if not source.execute("SELECT 1 FROM sqlite_master WHERE name = 'issue'").fetchone():
            raise ValueError("not a QR Board database")
        (revision,) = source.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
        if revision is None or not _known_revision(revision):
            raise ValueError(f"the backup's schema revision {revision} is not one this QR Board knows "
                             "(a newer QR Board wrote it)")
        _refuse_holding_data(engine, force)      # after the backup's checks: a damaged one is reported first
        if engine.dialect.name == "sqlite":
            target = engine.raw_connection()
            try:
                source.backup(target.driver_connection)
            finally:
                target.close()
            engine.dispose()
            upgrade(engine)
            return
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "backup.db"
        shutil.copy(path, copy)
        backup = make_engine(f"sqlite:///{copy}")
        try:
            upgrade(backup)          # an older backup is brought to this code's schema first
            upgrade(engine)
            _copy_content(backup, engine)
        finally:
            backup.dispose()


def _copy_content(source: Engine, target: Engine) -> None:
    """Every row of every table from one snapshot of `source` into `target` (emptied first), in one transaction."""
    tables = SQLModel.metadata.sorted_tables
    reading = source.connect()
    if source.dialect.name == "postgresql":
        reading = reading.execution_options(isolation_level="REPEATABLE READ")
    with reading, target.begin() as writing:
        reading.begin()
        if target.dialect.name == "postgresql":
            writing.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY"))
        else:
            for table in reversed(tables):
                writing.execute(table.delete())
        for table in tables:
            rows = reading.execute(table.select().order_by(*table.primary_key.columns)).mappings()
            while batch := rows.fetchmany(1000):
                writing.execute(table.insert(), [dict(row) for row in batch])
        if target.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.columns and table.columns["id"].autoincrement is not False:
                    writing.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                         f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'))
        reading.rollback()

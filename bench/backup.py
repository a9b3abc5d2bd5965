"""Benchmark of the portable backup of a PostgreSQL board against pg_dump of the same database.

Seeds an empty PostgreSQL database with `--issues` issues of a year's history (bench/trends.py's seed: bulk
inserts), then times `db.backup_to` (one REPEATABLE READ snapshot copied into a migrated SQLite file, which
restores into either database) and Debian's pg_dump in its custom format. The ratio says what the portable
file costs; issue #22 asks for pg_dump's format as well where it is over 3.

    bash scripts/with-postgres python3 bench/backup.py --issues 100000
    python3 bench/backup.py --issues 20000 --db postgresql+psycopg://user@host/emptydb
"""
import argparse
import glob
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from figures import print_figures  # noqa: E402 -- bench/ is the script's own folder


def pg_dump_binary() -> str:
    """Debian's newest pg_dump (the server's own version, as `scripts/with-postgres` starts it)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("pg_dump not found under /usr/lib/postgresql: apt-get install postgresql-client")
    return found[-1]


def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def timed(call, repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=100_000, help="issues to seed (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each backup (default 1)")
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a new one on the server "
                                     "$QR_TEST_PG_URL names, dropped afterwards)")
    args = parser.parse_args()
    server = os.environ.get("QR_TEST_PG_URL")
    if not args.db and not server:
        sys.exit("give --db URL, or run under scripts/with-postgres (it sets QR_TEST_PG_URL)")
    url = args.db or make_url(server).set(database=f"qr_bench_backup_{os.getpid()}").render_as_string(
        hide_password=False)
    if not args.db:
        _admin(server, f'CREATE DATABASE "{make_url(url).database}"')
    os.environ["DATABASE_URL"], os.environ["QR_DEMO"] = url, "0"
    from sqlmodel import SQLModel

    from bench.trends import seed
    from qr import db, store

    try:
        start = time.perf_counter()
        seed(args.issues, store.today(), random.Random(2026))
        seed_s = time.perf_counter() - start
        with db.get_engine().connect() as connection:
            rows = sum(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                       for name in SQLModel.metadata.tables)
        with tempfile.TemporaryDirectory() as tmp:
            portable, dump = Path(tmp) / "backup.db", Path(tmp) / "backup.dump"
            portable_s = timed(lambda: db.backup_to(portable, force=True), args.repeat)
            libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            dump_s = timed(lambda: subprocess.run([pg_dump_binary(), "--format=custom", "--file", str(dump),
                                                   "--dbname", libpq_url], check=True), args.repeat)
            sizes = portable.stat().st_size, dump.stat().st_size
        db.get_engine().dispose()
    finally:
        if not args.db:
            _admin(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    figures = [
        ("issues seeded", f"{args.issues}"),
        ("rows in all tables", f"{rows}"),
        ("seed time", f"{seed_s:.1f} s"),
        ("portable backup (SQLite file)", f"{portable_s:.2f} s"),
        ("pg_dump --format=custom", f"{dump_s:.2f} s"),
        ("ratio portable / pg_dump", f"{portable_s / dump_s:.1f}"),
        ("portable file size", f"{sizes[0] / 1e6:.1f} MB"),
        ("pg_dump file size", f"{sizes[1] / 1e6:.1f} MB"),
    ]
    print_figures(f"median of {args.repeat} runs", figures)


if __name__ == "__main__":
    main()

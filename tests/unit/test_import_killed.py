"""An import killed with SIGKILL in the middle of its transaction leaves all of it or none, and a database
that opens cleanly and takes the next import (on the backend under test: both run in CI)."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from qr import db, store
from tests.conftest import ROOT
from tests.unit.test_import import _workbook

ROWS = 5000


def _big_sheet() -> bytes:
    start = date(2026, 1, 5)
    return _workbook([["问题描述", "开启日期", "责任人", "牵头人", "类别"]] + [
        [f"导入中断测试 {n}：卡扣断裂", (start + timedelta(days=n % 60)).isoformat(), f"员工{n % 40}", "孙丽",
         "客户投诉" if n % 3 else "GP12"] for n in range(ROWS)])


def _written_so_far(database_url: str):
    """A probe of uncommitted work, outside the importing process: bytes its transaction has written."""
    if database_url.startswith("sqlite"):
        wal = Path(make_url(database_url).database + "-wal")
        return lambda: wal.stat().st_size if wal.exists() else 0
    probe = create_engine(database_url, poolclass=NullPool)

    def size() -> int:
        with probe.connect() as connection:
            return connection.execute(text("SELECT pg_relation_size('issuestep')")).scalar_one()
    return size


def _opens_cleanly(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(make_url(database_url).database)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.schema_revision() == db.head_revision()


def test_sigkill_mid_import_leaves_none_of_it(engine, database_url, tmp_path):
    sheet = tmp_path / "board.xlsx"
    sheet.write_bytes(_big_sheet())
    written = _written_so_far(database_url)
    baseline = written()
    importing = subprocess.Popen([sys.executable, "-m", "qr", "import", str(sheet)], cwd=ROOT,
                                 env={**os.environ, "DATABASE_URL": database_url}, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while written() < baseline + 2_000_000:             # about a fifth of the import's rows are in its transaction
        assert importing.poll() is None, f"the import ended before it could be killed: {importing.communicate()}"
        assert time.monotonic() < deadline, "the import wrote nothing in 4 minutes"
        time.sleep(0.05)
    importing.send_signal(signal.SIGKILL)
    assert importing.wait(timeout=30) == -signal.SIGKILL

    _opens_cleanly(database_url)
    assert store.issue_count() == 0                       # none of it: the transaction never committed
    assert {p.name for p in store.reference_lists()["people"]}.isdisjoint({f"员工{n}" for n in range(40)})

    again = subprocess.run([sys.executable, "-m", "qr", "import", str(sheet)], cwd=ROOT, capture_output=True,
                           text=True, env={**os.environ, "DATABASE_URL": database_url}, timeout=600)
    assert again.returncode == 0, again.stderr
    assert store.issue_count() == ROWS                    # all of it, when it is let through

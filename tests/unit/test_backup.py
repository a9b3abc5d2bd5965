"""Backups of the live database (a SQLite file from either backend): consistent while a writer goes on, restorable."""
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from datetime import date

import pytest
from sqlmodel import func, select

from models import Issue, IssueStep
from qr import db, store
from tests.conftest import ROOT


def test_backup_taken_while_writing_restores_every_committed_issue(open_issue, empty_database, tmp_path):
    stop, committed = threading.Event(), []

    def writer():
        while not stop.is_set():
            committed.append(open_issue(date(2026, 3, 2)).number)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(committed) < 20:
        stop.wait(0.01)
    before = len(committed)
    db.backup_to(tmp_path / "backup.db")
    after = len(committed)
    while len(committed) < after + 10:          # the writer goes on after the backup too
        stop.wait(0.01)
    stop.set()
    thread.join()

    with sqlite3.connect(tmp_path / "backup.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = db.make_engine(empty_database())
    db.restore_from(tmp_path / "backup.db", restored)
    with db.read_session(restored) as session:
        numbers = session.exec(select(Issue.number).order_by(Issue.id)).all()
        steps = session.exec(select(func.count()).select_from(IssueStep)).one()
    restored.dispose()
    assert before <= len(numbers) <= after                        # every issue committed before the backup
    assert numbers == committed[:len(numbers)]                    # and nothing half-written
    assert steps == 10 * len(numbers)


def test_cli_backup_and_restore(open_issue, database_url, empty_database, tmp_path):
    open_issue(date(2026, 3, 2))
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "qr", "backup", str(tmp_path / "b.db")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    target = {"DATABASE_URL": empty_database(), "PATH": "/usr/bin:/bin"}
    restored = subprocess.run([sys.executable, "-m", "qr", "restore", str(tmp_path / "b.db")], cwd=ROOT, env=target,
                              capture_output=True, text=True)
    assert (restored.returncode, restored.stdout.strip()) == (0, f"restored from {tmp_path / 'b.db'}: 1 issues")
    (tmp_path / "junk.db").write_bytes(b"not a database")
    refused = subprocess.run([sys.executable, "-m", "qr", "restore", str(tmp_path / "junk.db")], cwd=ROOT,
                             env=target, capture_output=True, text=True)
    assert refused.returncode == 2 and "not a SQLite backup" in refused.stderr
    assert store.issue_count() == 1


def test_restored_database_goes_on_numbering_and_saving(open_issue, empty_database, tmp_path):
    """After a restore the ids and issue numbers continue where the backup ended (PostgreSQL's sequences too)."""
    first = open_issue(date(2026, 3, 2))
    db.backup_to(tmp_path / "backup.db")
    restored = db.make_engine(empty_database())
    db.restore_from(tmp_path / "backup.db", restored)
    db.use_engine(restored)
    try:
        second = open_issue(date(2026, 3, 3))
        step = store.issue_detail(second.number).steps[0]
        store.complete_step(actor_id=None, step_id=step["id"], done_on=date(2026, 3, 3),
                            expected_version=second.version)
        assert second.id > first.id and second.number == "QR-2026-0002"
        assert [s["status"].value for s in store.issue_detail(second.number, on=date(2026, 3, 3)).steps][0] == "G"
    finally:
        db.use_engine(None)
        restored.dispose()


def test_restore_refuses_a_sqlite_file_that_is_not_a_board(engine, tmp_path):
    with closing(sqlite3.connect(tmp_path / "other.db")) as other:
        other.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="not a QR Board database"):
        db.restore_from(tmp_path / "other.db")
    assert store.issue_count() == 0 and store.reference_lists()["templates"]


def test_restore_refuses_a_backup_from_a_newer_board(open_issue, tmp_path):
    open_issue(date(2026, 3, 2))
    db.backup_to(tmp_path / "backup.db")
    with closing(sqlite3.connect(tmp_path / "backup.db")) as newer:
        newer.execute("UPDATE alembic_version SET version_num = '9999'")
        newer.commit()
    with pytest.raises(db.BackupRefused, match="revision 9999 is not one this QR Board knows"):
        db.restore_from(tmp_path / "backup.db")
    assert store.issue_count() == 1

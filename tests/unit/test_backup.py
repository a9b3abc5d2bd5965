"""Backups of the live SQLite database: consistent while a writer goes on, and restorable."""
import sqlite3
import subprocess
import sys
import threading
from datetime import date

from sqlmodel import func, select

from models import Issue, IssueStep
from qr import db, store
from tests.conftest import ROOT


def test_backup_taken_while_writing_restores_every_committed_issue(open_issue, tmp_path):
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

    restored = db.make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    db.restore_from(tmp_path / "backup.db", restored)
    with db.read_session(restored) as session:
        numbers = session.exec(select(Issue.number).order_by(Issue.id)).all()
        steps = session.exec(select(func.count()).select_from(IssueStep)).one()
    restored.dispose()
    assert before <= len(numbers) <= after                        # every issue committed before the backup
    assert numbers == committed[:len(numbers)]                    # and nothing half-written
    assert steps == 10 * len(numbers)
    with sqlite3.connect(tmp_path / "restored.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_backup_and_restore(open_issue, database_url, tmp_path):
    open_issue(date(2026, 3, 2))
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "qr", "backup", str(tmp_path / "b.db")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    target = {"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "PATH": "/usr/bin:/bin"}
    restored = subprocess.run([sys.executable, "-m", "qr", "restore", str(tmp_path / "b.db")], cwd=ROOT, env=target,
                              capture_output=True, text=True)
    assert (restored.returncode, restored.stdout.strip()) == (0, f"restored from {tmp_path / 'b.db'}: 1 issues")
    (tmp_path / "junk.db").write_bytes(b"not a database")
    refused = subprocess.run([sys.executable, "-m", "qr", "restore", str(tmp_path / "junk.db")], cwd=ROOT,
                             env=target, capture_output=True, text=True)
    assert refused.returncode == 2 and "not a SQLite backup" in refused.stderr
    assert store.issue_count() == 1

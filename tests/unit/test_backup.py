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
from qr.__main__ import main as qr_main
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


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = qr_main(list(argv))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_backup_keeps_an_existing_file_unless_forced(open_issue, capsys, tmp_path):
    open_issue(date(2026, 3, 2))
    kept = tmp_path / "monday.db"
    kept.write_bytes(b"last week's backup")
    code, out, err = _cli(capsys, "backup", str(kept))
    assert (code, out) == (2, "")
    assert err == f"{kept}: the file already exists: give --force to write over it"
    assert kept.read_bytes() == b"last week's backup"
    assert not list(tmp_path.glob(".*.partial"))

    code, out, err = _cli(capsys, "backup", str(kept), "--force")
    assert (code, err) == (0, "") and out.startswith(f"backup written to {kept}")
    with closing(sqlite3.connect(kept)) as check:
        assert check.execute("SELECT count(*) FROM issue").fetchone() == (1,)


def test_restore_into_a_database_holding_data_needs_force(open_issue, capsys, tmp_path):
    first = open_issue(date(2026, 3, 2))
    db.backup_to(tmp_path / "backup.db")
    open_issue(date(2026, 3, 3))                 # saved after the backup: a restore would lose it
    code, out, err = _cli(capsys, "restore", str(tmp_path / "backup.db"))
    assert (code, out) == (2, "")
    assert err == (f"{tmp_path / 'backup.db'}: the database already holds data (2 issues, 2 people, 1 areas): "
                   "give --force to replace it")
    assert store.issue_count() == 2

    code, out, err = _cli(capsys, "restore", str(tmp_path / "backup.db"), "--force")
    assert (code, out, err) == (0, f"restored from {tmp_path / 'backup.db'}: 1 issues", "")
    assert [number for number, _ in store.issue_numbers()] == [first.number]


def test_restore_into_a_freshly_initialised_database_needs_no_force(open_issue, empty_database, capsys, tmp_path,
                                                                     monkeypatch):
    """init-db's default templates, categories and rules are no plant's data: the restore drill's first step."""
    open_issue(date(2026, 3, 2))
    db.backup_to(tmp_path / "backup.db")
    fresh = db.make_engine(empty_database())
    db.use_engine(fresh)
    try:
        assert _cli(capsys, "init-db")[0] == 0
        assert db.plant_data(fresh) == {}
        assert _cli(capsys, "restore", str(tmp_path / "backup.db")) == (
            0, f"restored from {tmp_path / 'backup.db'}: 1 issues", "")
        assert db.plant_data(fresh) == {"issue": 1, "person": 2, "area": 1}
    finally:
        db.use_engine(None)
        fresh.dispose()


def test_the_live_sqlite_file_is_never_written_over_not_even_with_force(tmp_path):
    """The running app's own file (or its WAL): a backup or restore there would replace the board under it."""
    live = tmp_path / "board.db"
    env = {"DATABASE_URL": f"sqlite:///{live}", "QR_DEMO": "0", "PATH": "/usr/bin:/bin"}

    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "qr", *argv], cwd=ROOT, env=env, capture_output=True, text=True)

    assert cli("demo", "--issues", "3").returncode == 0
    before = live.read_bytes()
    with closing(sqlite3.connect(live)) as check:
        issues = check.execute("SELECT count(*) FROM issue").fetchone()
    for argv in (("backup", str(live)), ("backup", str(live), "--force"),
                 ("backup", f"{live}-wal", "--force"), ("backup", str(tmp_path / "." / "board.db"), "--force")):
        done = cli(*argv)
        assert (done.returncode, done.stdout) == (2, ""), argv
        assert "the live database itself" in done.stderr and "never writes over it" in done.stderr
    restored = cli("restore", str(live), "--force")
    assert restored.returncode == 2 and "the live database itself, not a backup" in restored.stderr
    assert live.read_bytes() == before
    with closing(sqlite3.connect(live)) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert check.execute("SELECT count(*) FROM issue").fetchone() == issues > (0,)

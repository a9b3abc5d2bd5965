"""What only PostgreSQL shows: transactions committing out of order, and a plant moving its SQLite board
onto the shared server. These need the PostgreSQL server of the run (QR_TEST_PG_URL), whichever backend
the rest of the suite is on."""
import threading
import time
from datetime import date

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from qr import db, demo, store
from qr.defaults import install_defaults
from tests.databases import drop_database, new_database

pytestmark = pytest.mark.pg
ON = date(2026, 3, 20)


@pytest.fixture
def pg_engine(tmp_path):
    url = new_database(tmp_path, backend="postgresql")
    engine = db.make_engine(url)
    db.upgrade(engine)
    db.use_engine(engine)
    install_defaults()
    yield engine
    db.use_engine(None)
    engine.dispose()
    drop_database(url)


def test_a_save_waiting_on_a_held_issue_is_answered_as_stale_within_the_lock_timeout(pg_engine, monkeypatch):
    """A save stuck holding an issue's row (an overloaded server, a hung transaction) makes the next save on that
    issue wait QR_DB_LOCK_TIMEOUT_MS at most; that save is refused as stale, writes nothing, and goes through
    once the row is free."""
    from tests.conftest import issue_opener, make_plant
    monkeypatch.setenv("QR_DB_LOCK_TIMEOUT_MS", "300")
    engine = db.make_engine(pg_engine.url.render_as_string(hide_password=False))
    db.use_engine(engine)
    try:
        plant = make_plant()
        issue = issue_opener(plant)(store.today())
        step = store.issue_detail(issue.number).steps[0]
        holder = engine.connect()
        holder.execute(text("UPDATE issue SET updated_at = updated_at WHERE id = :id"), {"id": issue.id})
        started = time.monotonic()
        with pytest.raises(store.StaleVersion) as refused:
            store.set_countermeasure(actor_id=plant["owner"].id, step_id=step["id"], countermeasure="已围堵",
                                     expected_version=issue.version)
        waited = time.monotonic() - started
        holder.rollback()
        holder.close()
        assert refused.value.key == "err.saving_now" and refused.value.values == {"number": issue.number}
        assert waited < 5, waited
        assert store.issue_detail(issue.number).issue["version"] == issue.version
        store.set_countermeasure(actor_id=plant["owner"].id, step_id=step["id"], countermeasure="已围堵",
                                 expected_version=issue.version)
        assert store.issue_detail(issue.number).steps[0]["countermeasure"] == "已围堵"
    finally:
        db.use_engine(pg_engine)
        engine.dispose()


def test_the_pool_takes_its_size_and_waits_from_the_environment(monkeypatch, pg_engine):
    monkeypatch.setenv("QR_DB_POOL_SIZE", "7")
    monkeypatch.setenv("QR_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("QR_DB_POOL_TIMEOUT", "4")
    engine = db.make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        assert (engine.pool.size(), engine.pool._max_overflow, engine.pool.timeout()) == (7, 3, 4)
    finally:
        engine.dispose()


def test_change_counter_moves_when_an_older_transaction_commits_last(pg_engine):
    """Ids come from a sequence: a slow save holding a lower id may commit after a faster one. The pages'
    cache key must still move when it does, or its change would stay hidden until the next write."""
    flushed, release = threading.Event(), threading.Event()
    with Session(pg_engine) as slow_session:
        @event.listens_for(slow_session, "before_commit")
        def hold(_session):                        # the slow save has written its audit event, not committed
            flushed.set()
            release.wait(30)
        slow = threading.Thread(target=store.create_area, kwargs=dict(
            session=slow_session, code="SLOW", name_zh="慢", name_en="Slow"))
        slow.start()
        assert flushed.wait(30)
        store.create_area(code="FAST", name_zh="快", name_en="Fast")     # a higher id, committed first
        before = store.change_counter()
        release.set()
        slow.join()
    assert [a.code for a in store.reference_lists()["areas"]] == ["FAST", "SLOW"]
    assert store.change_counter() != before


def test_a_sqlite_board_moves_to_postgresql_through_backup_and_restore(pg_engine, tmp_path):
    sqlite = db.make_engine(f"sqlite:///{tmp_path / 'pc.db'}")
    db.use_engine(sqlite)
    db.upgrade(sqlite)
    demo.load_demo(on=ON)
    board_on_the_pc = store.board_frame(on=ON)
    history_on_the_pc = store.issue_detail(board_on_the_pc["number"].iloc[0]).history
    db.backup_to(tmp_path / "backup.db")
    sqlite.dispose()

    db.use_engine(pg_engine)
    db.restore_from(tmp_path / "backup.db")
    on_the_server = store.board_frame(on=ON)
    columns = ["number", "description", "overall", "owner", "next_report_on", "version", "escalation_level"]
    assert on_the_server[columns].sort_values("number").reset_index(drop=True).equals(
        board_on_the_pc[columns].sort_values("number").reset_index(drop=True))
    assert store.issue_detail(board_on_the_pc["number"].iloc[0]).history == history_on_the_pc
    created = store.create_area(code="NEW", name_zh="新车间", name_en="New area")   # sequences go on past the copy
    assert created.id == max(a.id for a in store.reference_lists()["areas"])

"""The restore drill on PostgreSQL: a backup of a server database, restored into a fresh one, holds every row
of every table as it was (the portable backup goes through a SQLite file, so each type makes a round trip)."""
from datetime import date

import pytest
from sqlmodel import SQLModel

from qr import db, demo, store
from qr.defaults import install_defaults
from tests.databases import drop_database, new_database

pytestmark = pytest.mark.pg
ON = date(2026, 3, 20)


@pytest.fixture
def pg_database(tmp_path):
    """Factory: engines on new empty PostgreSQL databases, dropped afterwards."""
    made = []

    def make():
        url = new_database(tmp_path, backend="postgresql")
        made.append((url, db.make_engine(url)))
        return made[-1][1]
    yield make
    db.use_engine(None)
    for url, engine in made:
        engine.dispose()
        drop_database(url)


def _every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


def test_a_postgresql_backup_restores_into_a_fresh_database_row_for_row(pg_database, tmp_path):
    live = pg_database()
    db.upgrade(live)
    db.use_engine(live)
    install_defaults()
    demo.load_demo(on=ON)
    store.open_session(person_id=store.people()[0]["id"], keep=True, client="127.0.0.1 drill")
    db.backup_to(tmp_path / "backup.db")
    expected = _every_row(live)

    fresh = pg_database()
    db.restore_from(tmp_path / "backup.db", fresh)
    restored = _every_row(fresh)
    assert list(restored) == list(expected)
    for table in expected:
        assert restored[table] == expected[table], table
    held = {table for table, rows in expected.items() if rows}
    assert {"issue", "issuestep", "auditevent", "person", "account", "signinsession", "meeting"} <= held
    assert db.schema_revision(fresh) == db.head_revision()


def test_restore_refuses_a_postgresql_database_holding_data_unless_forced(pg_database, tmp_path):
    source = pg_database()
    db.upgrade(source)
    db.use_engine(source)
    install_defaults()
    demo.load_demo(on=ON)
    db.backup_to(tmp_path / "backup.db")
    other = pg_database()
    db.upgrade(other)
    db.use_engine(other)
    install_defaults()
    area = store.create_area(code="KEEP", name_zh="保留", name_en="Kept")
    with pytest.raises(db.BackupRefused, match=r"already holds data \(1 areas\): give --force"):
        db.restore_from(tmp_path / "backup.db", other)
    assert [a.code for a in store.reference_lists()["areas"]] == [area.code]
    db.restore_from(tmp_path / "backup.db", other, force=True)
    assert _every_row(other) == _every_row(source)


def test_the_pg_dump_format_restores_into_a_fresh_database_row_for_row(pg_database, tmp_path):
    """The fast format for a large server board (bench/backup.py): pg_dump's custom format, restored by
    pg_restore after the same checks (its schema revision, a target holding data)."""
    live = pg_database()
    db.upgrade(live)
    db.use_engine(live)
    install_defaults()
    demo.load_demo(on=ON)
    db.backup_to(tmp_path / "backup.dump", live, pg_dump=True)
    assert (tmp_path / "backup.dump").read_bytes()[:5] == b"PGDMP"
    with pytest.raises(db.BackupRefused, match="the file already exists"):
        db.backup_to(tmp_path / "backup.dump", live, pg_dump=True)
    with pytest.raises(db.BackupRefused, match="already holds data"):
        db.restore_from(tmp_path / "backup.dump", live)

    fresh = pg_database()
    db.restore_from(tmp_path / "backup.dump", fresh)
    assert _every_row(fresh) == _every_row(live)
    assert db.schema_revision(fresh) == db.head_revision()
    db.use_engine(fresh)
    created = store.create_area(code="NEW", name_zh="新车间", name_en="New area")   # sequences came along
    assert created.id == max(a.id for a in store.reference_lists()["areas"])


def test_the_pg_dump_format_is_refused_for_sqlite(tmp_path):
    sqlite = db.make_engine(f"sqlite:///{tmp_path / 'pc.db'}")
    db.upgrade(sqlite)
    with pytest.raises(db.BackupRefused, match="--format pg_dump is for a PostgreSQL database"):
        db.backup_to(tmp_path / "backup.dump", sqlite, pg_dump=True)
    assert not (tmp_path / "backup.dump").exists()
    sqlite.dispose()

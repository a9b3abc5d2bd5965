"""A plant's database written by round 1 (schema 0005, the demo plant) upgrades to this code's schema with nothing
lost: SQLite rebuilds changed tables, which other rows point at. Its demo accounts become demo accounts, so a start
without demo mode closes them. The file is SQLite whichever database the suite runs on."""
import gzip
from pathlib import Path
import sqlite3

from qr import db, similar, startup, store
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "round1-demo-0005.db.gz"


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if name != "alembic_version"]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}


def test_a_round1_database_upgrades_with_every_row_and_its_demo_accounts_close(tmp_path, monkeypatch):
    path = tmp_path / "board.db"
    path.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    before = _counts(path)
    assert before["issue"] == 35 and before["auditevent"] > 100
    engine = db.make_engine(f"sqlite:///{path}")
    db.use_engine(engine)
    try:
        db.upgrade(engine)
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            keys = connection.execute("SELECT description, similarity_key FROM issue").fetchall()
        assert keys and all(key == similar.signature(text) != "" for text, key in keys)    # old issues are proposed too
        after = _counts(path)
        assert {name: after[name] for name in before} == before             # every row of every old table
        assert len(store.board_frame()) > 0 and store.issue_count() == 35
        (default,) = store.plants()                                          # every area in the default plant
        assert (default["code"], default["name_zh"], default["name_en"]) == ("PLANT", "本厂", "Plant")
        assert default["areas"] == before["area"] > 0
        assert {area.plant_id for area in store.reference_lists()["areas"]} == {default["id"]}
        assert store.authenticate(username="admin", password="demo1234").role == "admin"
        monkeypatch.setenv("QR_DEMO", "0")
        startup.prepare_database(with_demo=False)                            # a real plant's next start
        assert all(not account["active"] for account in store.accounts() if account["demo"])
        assert {account["username"] for account in store.accounts() if account["demo"]} >= {"admin", "viewer"}
    finally:
        db.use_engine(None)
        engine.dispose()

"""A database whose schema is behind is refused by the app and the CLI, with the command that mends it;
an empty one gets the schema; several instances starting at once prepare it once."""
import subprocess
import sys
import threading

import pytest
import streamlit as st
from alembic import command
from streamlit.testing.v1 import AppTest

from qr import db, demo, startup, store
from tests.conftest import ROOT


@pytest.fixture
def behind_url(empty_database, monkeypatch) -> str:
    """A database migrated to the first revision only, as an older QR Board left it."""
    url = empty_database()
    engine = db.make_engine(url)
    config = db.alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("QR_DEMO", "0")
    return url


def _cli(url: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qr", *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "QR_DEMO": "0"})


def test_start_refuses_a_schema_behind_and_names_the_command(behind_url):
    with pytest.raises(db.SchemaBehind, match=r"run `python -m qr init-db`"):
        startup.prepare_database(with_demo=False)
    assert db.schema_revision() == "0001"                     # nothing upgraded behind the others' back


def test_cli_refuses_a_schema_behind_until_init_db(behind_url, tmp_path):
    refused = _cli(behind_url, "export", str(tmp_path / "board.xlsx"))
    assert refused.returncode == 2
    assert "revision 0001" in refused.stderr and "python -m qr init-db" in refused.stderr
    assert not (tmp_path / "board.xlsx").exists()
    upgraded = _cli(behind_url, "init-db")
    assert upgraded.returncode == 0, upgraded.stderr
    assert db.schema_revision(db.make_engine(behind_url)) == db.head_revision()
    exported = _cli(behind_url, "export", str(tmp_path / "board.xlsx"))
    assert exported.returncode == 0, exported.stderr


def test_page_shows_the_refusal_translated_instead_of_the_board(behind_url):
    st.cache_resource.clear()
    for lang, words in [("zh", "数据库结构不是本版本所需的结构"), ("en", "The database schema is not the one")]:
        at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception
        assert len(at.error) == 1 and words in at.error[0].value and "python -m qr init-db" in at.error[0].value
        assert not at.get("html")                               # no board drawn on a schema it does not know


def test_a_database_from_elsewhere_is_refused(empty_database, monkeypatch):
    url = empty_database()
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE inventory (part VARCHAR(20))")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(db.SchemaBehind, match="holds tables but no QR Board schema"):
        startup.prepare_database(with_demo=False)


def test_instances_starting_together_prepare_an_empty_database_once(empty_database, monkeypatch):
    """Four threads stand in for four app processes' first requests (the lock is the database's or a file's)."""
    url = empty_database()
    monkeypatch.setenv("DATABASE_URL", url)
    engine = db.make_engine(url)
    db.use_engine(engine)
    failures = []

    def start():
        try:
            startup.prepare_database(with_demo=True)
        except Exception as failure:               # noqa: BLE001 -- the test reports any failure of any thread
            failures.append(failure)
    threads = [threading.Thread(target=start) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert db.schema_revision() == db.head_revision()
        assert store.issue_count() == len(demo.ISSUES) + demo.STORIES + 1      # and today's new complaint
        assert len(store.reference_lists()["templates"]) == 3
    finally:
        db.use_engine(None)
        engine.dispose()

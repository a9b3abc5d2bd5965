"""What operations see over HTTP and in the log: /healthz answers 200 only for a reachable database whose
schema is current; /metrics counts saves and refusals by command, times them, and reads the outbox backlog;
QR_LOG_JSON=1 makes each store command one JSON line with its name and duration."""
import io
import json

import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qr import db, logs, store, web

AREA = dict(name_zh="涂装车间", name_en="Paint shop")


def _client() -> TestClient:
    return TestClient(Starlette(routes=web.ROUTES))


def _samples() -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics by name and labels."""
    response = _client().get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def test_healthz_is_200_on_a_reachable_database_with_the_current_schema(engine):
    response = _client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "schema": "current"})
    assert response.headers["cache-control"] == "no-store"


def test_healthz_is_503_when_the_schema_is_behind(engine):
    """A database an older QR Board left (init-db not yet run): this instance must get no users."""
    scripts = ScriptDirectory.from_config(db.alembic_config(str(engine.url)))
    older = scripts.get_revision(scripts.get_current_head()).down_revision
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :older"), {"older": older})
    response = _client().get("/healthz")
    assert (response.status_code, response.json()) == (503, {"database": "ok", "schema": "behind"})


@pytest.mark.parametrize("revision, schema", [("9999", "ahead"), (None, "empty")])
def test_healthz_is_503_for_a_schema_from_a_newer_board_or_none(empty_database, revision, schema):
    engine = db.make_engine(empty_database())
    if revision is not None:
        db.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    db.use_engine(engine)
    try:
        response = _client().get("/healthz")
    finally:
        db.use_engine(None)
        engine.dispose()
    assert (response.status_code, response.json()) == (503, {"database": "ok", "schema": schema})


def test_healthz_is_503_when_the_database_cannot_be_reached():
    engine = db.make_engine("postgresql+psycopg://qr@127.0.0.1:1/board")      # nothing listens on port 1
    db.use_engine(engine)
    try:
        response = _client().get("/healthz")
    finally:
        db.use_engine(None)
        engine.dispose()
    assert (response.status_code, response.json()) == (503, {"database": "unreachable", "schema": "unknown"})


def test_metrics_count_saves_and_refusals_by_command_and_time_them(engine):
    before = _samples()
    store.create_area(code="PAINT", **AREA)
    with pytest.raises(store.ValidationFailed):
        store.create_area(code="PAINT", **AREA)                # the code is taken: refused
    after = _samples()

    def moved(metric, **labels):
        key = (metric, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("qr_saves_total", command="create_area") == 1
    assert moved("qr_refusals_total", command="create_area", reason="err.duplicate") == 1
    assert moved("qr_store_seconds_count", kind="command", name="create_area") == 2
    assert moved("qr_store_seconds_sum", kind="command", name="create_area") > 0
    assert moved("qr_store_seconds_count", kind="query", name="outbox_backlog") == 1   # the scrape's own read


def test_a_command_made_of_commands_counts_once(engine):
    """install_defaults calls create_template and create_category inside: one save, not dozens."""
    from qr.defaults import install_defaults
    before = _samples()
    install_defaults()
    after = _samples()
    moved = {key: value - before.get(key, 0) for key, value in after.items()
             if key[0] == "qr_saves_total" and value != before.get(key, 0)}
    assert moved == {("qr_saves_total", (("command", "install_defaults"),)): 1}


def test_metrics_show_the_outbox_backlog(engine):
    """Notices written and not yet sent: a sender that stopped shows as a growing backlog."""
    for address in ("qa@plant.example", "gm@plant.example"):
        store.queue_test(actor_id=None, address=address)
    assert [row["state"] for row in store.outbox()] == ["waiting", "waiting"]
    samples = _samples()
    assert samples[("qr_outbox_notices", (("state", "waiting"),))] == 2
    assert samples[("qr_outbox_notices", (("state", "failed"),))] == 0


@pytest.fixture
def json_log(monkeypatch):
    """QR_LOG_JSON=1 with the qr logger writing into a buffer; the logger as it was afterwards."""
    import logging
    logger = logging.getLogger("qr")
    kept = logger.handlers[:], logger.level, logger.propagate
    monkeypatch.setenv("QR_LOG_JSON", "1")
    buffer = io.StringIO()
    assert logs.configure(buffer)
    yield buffer
    logger.handlers, logger.level, logger.propagate = kept


def test_json_log_lines_carry_the_command_and_its_duration(engine, json_log):
    store.create_area(code="PAINT", **AREA)
    with pytest.raises(store.ValidationFailed):
        store.create_area(code="PAINT", **AREA)
    store.reference_lists()                                    # a query: DEBUG, not in an INFO log
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert [(line["command"], line["outcome"], line["reason"]) for line in lines] == [
        ("create_area", "saved", ""), ("create_area", "refused", "err.duplicate")]
    assert all(line["level"] == "INFO" and line["logger"] == "qr.store" and line["kind"] == "command"
               and isinstance(line["duration_ms"], float) and line["duration_ms"] > 0 for line in lines)
    assert lines[0]["message"].startswith("command create_area saved in ")


def test_without_qr_log_json_the_log_is_left_as_it_is(monkeypatch):
    monkeypatch.delenv("QR_LOG_JSON", raising=False)
    assert logs.configure(io.StringIO()) is False

"""/healthz and /metrics from a real `streamlit run board.py`: the proof that st.App serves the app's own routes
beside Streamlit's (no browser needed; marked e2e because it starts the real server like the browser tests)."""
import json
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import drop_database, new_database
from tests.e2e.conftest import running_server

pytestmark = pytest.mark.e2e


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers["content-type"], answer.read().decode()


def test_healthz_and_metrics_are_served_by_the_streamlit_server(tmp_path):
    url = new_database(tmp_path)
    try:
        with running_server(url, tmp_path / "streamlit.log") as server:
            # a fresh database gets its schema on the first page run: until then the instance is not ready
            status, kind, body = _get(f"{server['url']}/healthz")
            assert (status, kind, json.loads(body)) == (503, "application/json",
                                                        {"database": "ok", "schema": "empty"})
            from qr import db
            engine = db.make_engine(url)
            db.upgrade(engine)
            engine.dispose()
            status, kind, body = _get(f"{server['url']}/healthz")
            assert (status, json.loads(body)) == (200, {"database": "ok", "schema": "current"})

            status, kind, body = _get(f"{server['url']}/metrics")
            assert status == 200 and kind.startswith("text/plain")
            families = {family.name: family for family in text_string_to_metric_families(body)}
            assert {"qr_saves", "qr_refusals", "qr_store_seconds", "qr_render_seconds", "qr_outbox_notices"} \
                <= set(families)
            waiting = [s.value for s in families["qr_outbox_notices"].samples if s.labels == {"state": "waiting"}]
            assert waiting == [0]
    finally:
        drop_database(url)

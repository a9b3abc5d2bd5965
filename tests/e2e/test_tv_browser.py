"""TV mode in a real browser: a display token's screen cycles two areas' boards in place, without a reload, with
no navigation and no link out."""
import pytest

from qr import db, store
from tests.e2e.conftest import ARTIFACTS, open_page

pytestmark = pytest.mark.e2e


def _display_token(database_url: str) -> str:
    engine = db.make_engine(database_url)
    db.use_engine(engine)
    try:
        return store.create_display_token(actor_id=None, name="总装线电视")
    finally:
        db.use_engine(None)
        engine.dispose()


def test_tv_mode_shows_the_second_area_after_the_first_without_a_reload(server, browser):
    open_page(browser, server["url"]).close()          # the first start creates the schema and the demo
    token = _display_token(server["database_url"])
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server['url']}/?view=tv&areas=ASSY,WELD&seconds=3&token={token}", timeout=60_000)
    page.wait_for_selector('[data-tv-area="ASSY"]', timeout=60_000)
    page.wait_for_selector("table.qr-board tr[data-issue]", timeout=60_000)
    page.evaluate("window.qrSamePage = true")          # a reload would lose it
    assert page.query_selector('[data-tv-clock]') is not None
    assert page.query_selector_all('[data-testid="stSidebarNav"], [data-testid="stSidebar"] a') == []
    assert page.query_selector_all("table.qr-board a") == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tv-1920x1080.png"))
    page.wait_for_selector('[data-tv-area="WELD"]', timeout=30_000)
    page.wait_for_selector('[data-tv-area="ASSY"]', state="detached", timeout=30_000)
    assert page.evaluate("window.qrSamePage") is True
    assert page.query_selector_all('[data-testid="stException"]') == []
    page.close()


def test_a_wrong_token_shows_no_board_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server['url']}/?view=tv&areas=ASSY&seconds=3&token=not-a-token", timeout=60_000)
    page.wait_for_selector('[data-tv-refused="true"]', timeout=60_000)
    assert page.query_selector_all("table.qr-board, [data-tv-area]") == []
    page.close()

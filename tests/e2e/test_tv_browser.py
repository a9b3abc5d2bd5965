"""TV mode in a real browser: a display token's screen cycles two areas' boards in place, without a reload, with
no navigation and no link out, and stops at the refresh after its token is revoked."""
import pytest

from qr import db, store
from tests.e2e.conftest import ARTIFACTS, open_page

# the cycling in place is the browser's; the token and the cycle's reads are tests/app/test_tv.py's, on both databases
pytestmark = [pytest.mark.e2e, pytest.mark.one_backend]


def _on(database_url: str, command, **arguments):
    """A store command on the server's database."""
    engine = db.make_engine(database_url)
    db.use_engine(engine)
    try:
        return command(actor_id=None, name="总装线电视", **arguments)
    finally:
        db.use_engine(None)
        engine.dispose()


def _display_token(database_url: str) -> str:
    return _on(database_url, store.create_display_token)


def _revoke(database_url: str) -> None:
    _on(database_url, store.revoke_display_token)


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
    page.wait_for_timeout(500)                         # the type settles to the screen (container queries)
    rows, size, bottom = page.evaluate("""() => [document.querySelectorAll('table.qr-board tr[data-issue]').length,
        parseFloat(getComputedStyle(document.querySelector('table.qr-board td')).fontSize),
        document.querySelector('table.qr-board').getBoundingClientRect().bottom]""")
    assert rows <= 14, f"the demo's assembly board has a dozen rows, not {rows}"
    # a line's TV is read from across the line: a dozen rows fill the screen in larger type than the projector's
    # 20 px, and the last row stays on the screen (a TV has no scroll bar)
    assert size >= 24 and bottom <= 1080, (rows, size, bottom)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tv-1920x1080.png"))
    page.wait_for_selector('[data-tv-area="WELD"]', timeout=30_000)
    page.wait_for_selector('[data-tv-area="ASSY"]', state="detached", timeout=30_000)
    assert page.evaluate("window.qrSamePage") is True
    assert page.query_selector_all('[data-testid="stException"]') == []
    _revoke(server["database_url"])                    # the screen stops at its next refresh
    page.wait_for_selector('[data-tv-refused="true"]', timeout=30_000)
    # the board goes when that run ends (until then Streamlit keeps the last run's elements, stale, on the page)
    page.wait_for_selector("table.qr-board, [data-tv-area]", state="detached", timeout=30_000)
    page.close()


def test_a_wrong_token_shows_no_board_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server['url']}/?view=tv&areas=ASSY&seconds=3&token=not-a-token", timeout=60_000)
    page.wait_for_selector('[data-tv-refused="true"]', timeout=60_000)
    assert page.query_selector_all("table.qr-board, [data-tv-area]") == []
    page.close()

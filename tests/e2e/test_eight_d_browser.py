"""`/issue?no=…&d=D3` in a real browser: the page opens on that 8D section, scrolled so that the section's form
starts inside the window (the issue's fields and history above it are longer than the window)."""
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from qr import db, store
from tests.e2e.conftest import ARTIFACTS, open_page

pytestmark = [pytest.mark.e2e, pytest.mark.one_backend]

WIDTH, HEIGHT = 1920, 1080         # a meeting-room PC
# the section chooser's and the form's top edges, relative to the window; the page's scroll position
PLACES = """() => {
  const form = document.querySelector('[data-testid="stForm"]');
  const radio = document.querySelector('[data-testid="stMain"] [data-testid="stRadio"]');
  const scroller = [...document.querySelectorAll("*")].find(e => e.scrollTop > 0) || document.scrollingElement;
  return {form: form.getBoundingClientRect().top, radio: radio.getBoundingClientRect().top,
          scrolled: scroller.scrollTop};
}"""


def _longest_issue(server, browser) -> str:
    """The issue with the longest history (of the demo the first page load writes): its 8D starts far below the
    first screen."""
    open_page(browser, server["url"]).close()
    engine = db.make_engine(server["database_url"])
    db.use_engine(engine)
    try:
        return max((n for n, _ in store.issue_numbers()), key=lambda n: len(store.issue_detail(n).history))
    finally:
        db.use_engine(None)
        engine.dispose()


def _settled(page) -> dict:
    page.wait_for_selector('[data-testid="stForm"]', timeout=60_000)
    page.wait_for_timeout(3000)                     # the page lays itself out; the script scrolls again meanwhile
    return page.evaluate(PLACES)


def _scrolled_to_form(page) -> dict:
    """Where things are once the section's form is in the window, or after 30 s (a loaded machine draws the
    history above the form late, and the page scrolls again each time it grows)."""
    page.wait_for_selector('[data-testid="stForm"]', timeout=60_000)
    try:
        page.wait_for_function(f"""() => {{ try {{ const p = ({PLACES})();
            return p.scrolled > 0 && 0 <= p.radio && p.radio < p.form && p.form < {HEIGHT}; }}
            catch (redrawing) {{ return false; }} }}""", timeout=30_000)
    except PlaywrightTimeout:
        pass                                        # the assertions below say where things were
    page.wait_for_timeout(1000)                     # and stay there
    return page.evaluate(PLACES)


@pytest.mark.parametrize("section", ["D3", "D7"])
def test_a_section_link_opens_and_scrolls_to_that_section(server, browser, section):
    number = _longest_issue(server, browser)
    page = open_page(browser, f"{server['url']}/issue?no={number}&d={section}", width=WIDTH, height=HEIGHT)
    places = _scrolled_to_form(page)
    page.screenshot(path=str(ARTIFACTS / f"issue-8d-{section}-{WIDTH}x{HEIGHT}.png"))
    checked = page.locator('[data-testid="stMain"] [data-testid="stRadio"] input[type="radio"]:checked')
    assert checked.evaluate("e => e.closest('label').innerText").startswith(section)
    assert places["scrolled"] > 0, places
    assert 0 <= places["radio"] < places["form"] < HEIGHT, places      # chooser and form's top both in the window
    page.close()


def test_without_a_section_the_page_opens_at_its_top(server, browser):
    number = _longest_issue(server, browser)
    page = open_page(browser, f"{server['url']}/issue?no={number}", width=WIDTH, height=HEIGHT)
    places = _settled(page)
    assert places["scrolled"] == 0 and places["form"] > HEIGHT, places     # so the scroll above was needed
    page.close()

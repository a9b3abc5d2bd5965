"""A sign-in lasts across reloads, new tabs, links and a second app instance (the HttpOnly cookie carries a
server-side session); a sign-out in one tab is seen by the others at their next action; an expired or forged
cookie signs no one in."""
from datetime import timedelta

import pytest

from qr import db, store
from qr.web import SESSION_COOKIE
from tests.e2e.conftest import running_server, sign_in

pytestmark = pytest.mark.e2e

SIGNED_IN = "已登录：孙丽（主持人）"


def _settled(page) -> None:
    """Drawn: the sidebar's sign-out or the page's sign-in form is there, and the script run has ended."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector("form.qr-sign-out, form.qr-sign-in", state="attached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(300)
    assert page.query_selector_all('[data-testid="stException"]') == []


def _signed_in(page) -> bool:
    page.wait_for_selector("form.qr-sign-out", state="attached", timeout=60_000)
    _settled(page)
    return page.locator("form.qr-sign-out").count() == 1 and page.locator("form.qr-sign-in").count() == 0


def _asks_to_sign_in(page) -> bool:
    page.wait_for_selector("form.qr-sign-in", state="attached", timeout=60_000)
    _settled(page)
    return page.locator("form.qr-sign-in").count() == 1


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    yield context
    context.close()


def _signed_in_tab(context, url: str):
    page = context.new_page()
    page.goto(url, timeout=60_000)
    _settled(page)
    sign_in(page, "sunli")
    return page


def test_reload_new_tab_link_and_deep_link_keep_the_sign_in(server, context):
    page = _signed_in_tab(context, f"{server['url']}/meeting?area=ASSY")
    assert page.url.endswith("/meeting?area=ASSY")                       # back where the person asked to go
    assert SIGNED_IN in page.locator('[data-testid="stSidebar"]').inner_text()
    page.reload()
    assert _signed_in(page)
    other = context.new_page()                                           # a new tab
    other.goto(f"{server['url']}/update", timeout=60_000)
    assert _signed_in(other)
    other.wait_for_selector('[data-testid="stExpander"]', timeout=60_000)   # the panels come after the sidebar
    other.goto(server["url"], timeout=60_000)                            # a link on the board to an issue
    other.wait_for_selector("table.qr-board", timeout=60_000)
    other.locator("tr[data-issue] td.qr-no a").first.click()
    other.wait_for_selector("table.qr-fields", timeout=60_000)
    assert _signed_in(other)
    number = other.url.split("no=")[1].split("&")[0]
    deep = context.new_page()                                            # a link from a message: a deep link
    deep.goto(f"{server['url']}/update?no={number}&lang=en", timeout=60_000)
    assert _signed_in(deep) and "Signed in: Sun Li" in deep.locator('[data-testid="stSidebar"]').inner_text()


def test_a_second_instance_on_the_same_database_knows_the_session(server, context, tmp_path):
    page = _signed_in_tab(context, f"{server['url']}/update")
    with running_server(server["database_url"], tmp_path / "second.log") as second:
        other = context.new_page()
        other.goto(f"{second['url']}/update", timeout=60_000)            # the cookie goes to every port of the host
        assert _signed_in(other)
    assert _signed_in(page)


def test_signing_out_in_one_tab_asks_again_in_the_other(server, context):
    first = _signed_in_tab(context, f"{server['url']}/update")
    second = context.new_page()
    second.goto(f"{server['url']}/update", timeout=60_000)
    assert _signed_in(second)
    first.locator("form.qr-sign-out button").click()
    assert _asks_to_sign_in(first)
    second.locator('[data-testid="stSidebar"]').get_by_text("English").click()   # the other tab's next action
    assert _asks_to_sign_in(second)


def test_an_expired_or_forged_cookie_signs_no_one_in(server, context):
    engine = db.make_engine(server["database_url"])
    db.use_engine(engine)
    try:
        sunli = store.signed_in_by_email("sunli@qr-demo.local").person_id
        expired = store.open_session(person_id=sunli, now=store.now() - timedelta(hours=13))
    finally:
        db.use_engine(None)
        engine.dispose()
    for value in (expired, "forged-" + "x" * 36):
        context.clear_cookies()
        context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": server["url"]}])
        page = context.new_page()
        page.goto(f"{server['url']}/update", timeout=60_000)
        assert _asks_to_sign_in(page)
        page.close()

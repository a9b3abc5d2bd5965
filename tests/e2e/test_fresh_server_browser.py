"""What a browser sees from a server that has had no request yet: its own first page, or the answer to a form
submitted by a tab that stayed open while the server restarted. Each test starts its own server (QR_DEMO=1)."""
import pytest

from qr import rules, store
from qr.config import load_settings
from qr.i18n import t
from tests.databases import drop_database, new_database
from tests.e2e.conftest import free_port, open_page, running_server, sign_in
from tests.e2e.test_update_browser import _read, _settle

pytestmark = pytest.mark.e2e

NAVIGATION = ["page.board", "page.update", "page.meeting", "page.excel", "page.follow_up", "page.trends",
              "page.issue", "page.lessons", "page.admin", "page.login"]
SIGN_IN_FORM = 'input[type="password"]'


def navigation_titles(page) -> list[str]:
    """The sidebar's page titles as shown, without the icons' ligature names."""
    return page.locator('[data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"]').all_inner_texts()


def expand(expander) -> None:
    """Open an issue's expander unless the browser kept it open through the rerun (a click would close it)."""
    expander.locator("details").wait_for(timeout=30_000)
    if expander.locator("details[open]").count() == 0:
        expander.locator("summary").click()


def first_demo_issue() -> str:
    """The demo always opens a complaint today, so this year's numbering has begun."""
    return f"QR-{rules.plant_today(store.now(), load_settings().tz).year}-0001"


@pytest.mark.parametrize("path, lang, ready, empty", [
    ("", "zh", "table.qr-board tr[data-issue]", True),          # the first request also prepares the database
    ("update", "zh", SIGN_IN_FORM, False),                       # pages that change the board ask who you are
    ("issue?no={issue}", "zh", 'table.qr-fields[data-issue="{issue}"]', True),
    *[pytest.param(*case, marks=pytest.mark.one_backend) for case in [   # each page's own first request: its
        ("issue?no={issue}&lang=en", "en", 'table.qr-fields[data-issue="{issue}"]', False),   # markup and titles,
        ("update?lang=en", "en", SIGN_IN_FORM, False),                                       # the same on either
        ("excel", "zh", SIGN_IN_FORM, False),                                                # database (the three
        ("meeting?area=ASSY", "zh", SIGN_IN_FORM, False),                                    # above run on both)
        ("trends", "zh", SIGN_IN_FORM, False),
        ("follow_up", "zh", SIGN_IN_FORM, False),
        ("lessons", "zh", "div.qr-lesson", False),               # readable like the board (the demo's is public)
        ("admin", "zh", SIGN_IN_FORM, False),
        ("login", "zh", SIGN_IN_FORM, False),
    ]],
])
def test_the_first_request_shows_the_page_and_the_translated_navigation(tmp_path, empty_database, demo_templates,
                                                                        browser, path, lang, ready, empty):
    """A new server's first request to each page; on an empty database for two of them (the schema and the demo
    are made by that request), on a copy of the demo plant for the others (the same first request, without
    loading the demo a dozen times)."""
    database_url = empty_database() if empty else new_database(tmp_path, template=demo_templates(None))
    try:
        with running_server(database_url, tmp_path / "streamlit.log") as fresh:
            page = open_page(browser, f"{fresh['url']}/{path.format(issue=first_demo_issue())}")
            page.wait_for_selector(ready.format(issue=first_demo_issue()), timeout=60_000)
            page.wait_for_timeout(500)
            assert page.locator('[role="dialog"]').count() == 0          # no "Page not found"
            assert navigation_titles(page) == [t(key, lang) for key in NAVIGATION]   # never "tracking board", "shared"
            page.close()
    finally:
        if not empty:
            drop_database(database_url)


def test_a_form_sent_after_a_restart_is_saved_or_answered(tmp_path, empty_database, browser):
    """Sign-in lives in the database, so a restart ends none: the first request to the new server is a signed-out
    tab's sign-in, which signs in; a signed-in tab's save sent after the restart is saved."""
    database_url, port = empty_database(), free_port()
    with running_server(database_url, tmp_path / "before.log", port=port) as before:
        open_page(browser, before["url"]).close()                  # first start: schema and demo data
        board = _read(database_url, store.board_frame)
        board = board[board["steps"].map(lambda steps: any(s["state"] == "open" for s in steps.values()))]
        issue = board.sort_values("next_report_on").iloc[0]       # (a reopened complaint may have no open step)
        username = _read(database_url, lambda: store.signed_in_person(int(issue["owner_id"])).username)
        first_open = min((s for s in issue["steps"].values() if s["state"] == "open"), key=lambda s: s["position"])
        signed_out = open_page(browser, f"{before['url']}/update")
        signed_in = open_page(browser, f"{before['url']}/update")
        sign_in(signed_in, username)
        expander = signed_in.locator('[data-testid="stExpander"]', has_text=issue["number"])
        expander.locator("summary").click()
        step_form = expander.locator('[data-testid="stForm"]', has_text="写对策")
        step_form.locator("button", has_text="保存").wait_for(timeout=30_000)
        step_form.get_by_role("textbox", name="佐证材料", exact=False).fill("遏制记录见班组日报")   # a claim to verify
        for page in (signed_out, signed_in):      # left open: drawn, and its widgets' code loaded before the stop
            _settle(page)
            page.wait_for_load_state("networkidle")

    with running_server(database_url, tmp_path / "after.log", port=port):
        sign_in(signed_out, username)                              # the new server's very first request
        signed_out.locator('[data-testid="stExpander"]', has_text=issue["number"]).wait_for(timeout=30_000)

        step_form.locator("button", has_text="保存").click()      # the tab opened before the restart
        signed_in.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=60_000)
        _settle(signed_in)
        step = next(s for s in _read(database_url, lambda: store.issue_detail(issue["number"]).steps)
                    if s["id"] == first_open["id"])
        assert (step["state"], step["claimed_on"], step["evidence"]) == ("open", store.today(), "遏制记录见班组日报")
        assert signed_in.query_selector_all('[data-testid="stException"]') == []
        for page in (signed_out, signed_in):
            page.close()

"""Two app instances on one database (PostgreSQL in the CI run on it): they start together on an empty
database, and a step an owner says is done through one shows on the other's open board at its next refresh."""
import pytest

from qr import store
from tests.databases import drop_database, new_database
from tests.e2e.conftest import SocketLog, answered, open_page, sign_in, two_running_servers
from tests.e2e.test_update_browser import _read, _settle

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_servers(tmp_path):
    database_url = new_database(tmp_path)
    with two_running_servers(database_url, tmp_path) as started:
        yield database_url, started
    drop_database(database_url)


def test_a_step_claimed_done_on_one_instance_shows_on_the_other(two_servers, browser, tmp_path):
    database_url, (first, second) = two_servers
    # both first requests at once: each instance finds an empty database; one prepares it, the other waits
    pages = [browser.new_page(viewport={"width": 1920, "height": 1080}) for _ in range(2)]
    for page, server in zip(pages, (first, second)):
        page.goto(server["url"], wait_until="commit")
    for page in pages:
        page.wait_for_selector("table.qr-board", timeout=120_000)
        assert page.query_selector_all('[data-testid="stException"]') == []
    board = _read(database_url, store.board_frame)
    assert len(board) == len(pages[0].query_selector_all("tr[data-issue]")) == \
        len(pages[1].query_selector_all("tr[data-issue]"))           # the demo loaded once, not twice
    issue = board[board["steps"].map(lambda steps: any(s["state"] == "open" for s in steps.values()))] \
        .sort_values("next_report_on").iloc[0]
    step = min((s for s in issue["steps"].values() if s["state"] == "open"), key=lambda s: s["position"])
    cell = f'tr[data-issue="{issue["number"]}"] td[data-step="{step["code"]}"]'
    assert pages[1].get_attribute(cell, "data-status") in ("Y", "R")

    username = _read(database_url, lambda: store.signed_in_person(int(issue["owner_id"])).username)
    sockets = SocketLog()
    owner_page = open_page(browser, f"{first['url']}/update", socket_log=sockets)
    sign_in(owner_page, username)
    expander = owner_page.locator('[data-testid="stExpander"]', has_text=issue["number"])
    expander.locator("summary").click()
    form = expander.locator('[data-testid="stForm"]', has_text="写对策")
    form.get_by_role("textbox", name="佐证材料", exact=False).fill("遏制记录见班组日报")    # an owner's "done" is a claim to verify
    save = form.locator("button", has_text="保存")
    save.wait_for(timeout=30_000)
    clicked = sockets.click_sent(owner_page, save)
    try:
        answered(owner_page, f"已保存 {issue['number']}", server=first, timeout=60_000)
    except AssertionError as unanswered:
        now = _read(database_url, store.board_frame).set_index("number").loc[issue["number"]]
        claimed = now["steps"][step["code"]]["to_verify"]
        raise AssertionError(f"{unanswered}\nafter the click the browser sent {sockets.sent_since(clicked)} websocket "
                             f"messages ({sockets}); the step is claimed done in the database: {claimed}") from None
    _settle(owner_page)

    # the other instance's board, never reloaded: its own refresh brings the cell's "done, to verify" mark
    pages[1].wait_for_selector(f'{cell}[data-verify="pending"]', state="attached",
                               timeout=second["refresh_seconds"] * 5000)
    assert pages[1].query_selector_all('[data-testid="stException"]') == []
    for page in (*pages, owner_page):
        page.close()

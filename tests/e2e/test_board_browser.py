"""The board as a browser shows it: every open issue's row, its colours and the projector's readability."""
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from models import Issue, IssueStep, TemplateStep
from qr import db, rules, store
from tests.e2e.conftest import ARTIFACTS, open_page

pytestmark = pytest.mark.e2e


def _expected_from_database(database_url: str) -> dict[str, dict]:
    """Step colours straight from the rows and the rule, independent of the board query."""
    engine = db.make_engine(database_url)
    today = store.today()
    expected: dict[str, dict] = defaultdict(dict)
    with Session(engine) as session:
        rows = session.exec(select(Issue.number, TemplateStep.code, IssueStep)
                            .join(IssueStep, IssueStep.issue_id == Issue.id)
                            .join(TemplateStep, IssueStep.template_step_id == TemplateStep.id)
                            .where(Issue.closed_on.is_(None), Issue.on_board)).all()
    engine.dispose()
    for number, code, step in rows:
        view = rules.StepView(state=rules.StepState(step.state), target_on=step.target_on,
                              completed_on=step.completed_on, started_on=step.started_on,
                              marked_worse=step.marked_worse, marked_worse_on=step.marked_worse_on)
        expected[number][code] = rules.step_status(view, today).value
    return expected


def test_every_open_issue_row_matches_the_database(server, browser):
    page = open_page(browser, server["url"])
    expected = _expected_from_database(server["database_url"])
    assert len(expected) >= 20
    shown = page.eval_on_selector_all("table.qr-board tr[data-issue]", """rows => rows.map(r => ({
        number: r.dataset.issue,
        overall: r.querySelector('[data-overall]').dataset.overall,
        steps: Object.fromEntries([...r.querySelectorAll('td[data-status]')].map(c => [c.dataset.step, c.dataset.status]))
    }))""")
    assert sorted(row["number"] for row in shown) == sorted(expected)
    rank = {"G": 0, "Y": 1, "R": 2}
    for row in shown:
        in_database = expected[row["number"]]
        assert {code: row["steps"][code] for code in in_database} == in_database, row["number"]
        assert all(status == "NA" for code, status in row["steps"].items() if code not in in_database)
        counted = [s for s in in_database.values() if s != "NA"]
        assert row["overall"] == (max(counted, key=rank.get) if counted else "G"), row["number"]
    page.close()


def test_projector_shows_twenty_readable_rows_at_1920x1080(server, browser):
    page = open_page(browser, f"{server['url']}/?view=projector")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "projector-1920x1080.png"))
    measured = page.eval_on_selector_all("table.qr-board tbody tr", """rows => rows.map(r => {
        const box = r.getBoundingClientRect();
        const cells = [...r.querySelectorAll('td')];
        return {bottom: box.bottom, smallest: Math.min(...cells.map(c => parseFloat(getComputedStyle(c).fontSize))),
                letters: cells.filter(c => c.dataset.status).map(c => c.textContent.trim()[0])};
    })""")
    visible = [row for row in measured if row["bottom"] <= 1080]
    assert len(visible) >= 20
    assert min(row["smallest"] for row in visible) >= 20
    assert all(letter in "GYR–" for row in visible for letter in row["letters"])
    assert page.is_hidden('[data-testid="stSidebar"]')
    page.close()


def test_clicking_a_number_opens_its_detail(server, browser):
    page = open_page(browser, server["url"])
    number = page.get_attribute("table.qr-board tr[data-issue]", "data-issue")
    page.click(f'tr[data-issue="{number}"] td.qr-no a')
    page.wait_for_selector(f'table.qr-fields[data-issue="{number}"]', timeout=60_000)
    assert page.query_selector_all("table.qr-steps tbody tr")
    assert page.query_selector_all('[data-testid="stException"]') == []
    page.close()


def test_sidebar_lists_each_page_once(server, browser):
    page = open_page(browser, server["url"])
    labels = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "links => links.map(a => a.textContent.trim())")
    names = ["跟踪板", "更新我的问题", "快速响应会", "Excel导入", "回访", "趋势与KPI", "问题详情", "经验教训库", "管理", "登录与账户"]
    assert len(labels) == len(names)             # the icon's ligature name precedes each label
    assert [label.endswith(name) for label, name in zip(labels, names)] == [True] * len(names)
    page.close()


def _choose(page, label: str, option: str) -> None:
    """A filter chosen as a person does: the filter button opens its popover (if it is closed), then the box."""
    if not page.is_visible('[data-testid="stPopoverBody"]'):
        page.click(".st-key-board_filters button")
    page.locator('[data-testid="stPopoverBody"] [data-testid="stSelectbox"]', has_text=label).click()
    page.locator('[role="option"]', has_text=option).first.click()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)


def test_refresh_shows_a_new_write_and_keeps_the_filter(server, browser):
    page = open_page(browser, server["url"])
    _choose(page, "总体状态", "R 逾期/受阻")
    page.wait_for_function("() => [...document.querySelectorAll('[data-overall]')].every(c => c.dataset.overall === 'R')")
    red_before = set(page.eval_on_selector_all("tr[data-issue]", "rows => rows.map(r => r.dataset.issue)"))
    # the popover stayed open for the next choice, and its button says what the board is narrowed to
    assert page.is_visible('[data-testid="stPopoverBody"]')
    assert "筛选: R 逾期/受阻" in page.inner_text(".st-key-board_filters button").splitlines()

    engine = db.make_engine(server["database_url"])
    db.use_engine(engine)
    try:
        board = store.board_frame()
        yellow = board[board["overall"] == "Y"].iloc[0]
        step = next(s for s in yellow["steps"].values() if s["status"] == rules.Status.Y)
        store.mark_step_worse(actor_id=yellow["owner_id"], step_id=step["id"], reason="等待供应商样件",
                              countermeasure="每日电话跟进", expected_version=int(yellow["version"]))
    finally:
        db.use_engine(None)
        engine.dispose()

    # no reload, no click: the fragment's own refresh brings the new red issue, under the same filter
    page.wait_for_selector(f'tr[data-issue="{yellow["number"]}"]', timeout=server["refresh_seconds"] * 5000)
    shown = page.eval_on_selector_all("tr[data-issue]", "rows => rows.map(r => [r.dataset.issue, "
                                      "r.querySelector('[data-overall]').dataset.overall])")
    assert {number for number, _ in shown} == red_before | {yellow["number"]}
    assert {overall for _, overall in shown} == {"R"}
    page.close()


def test_a_phone_opens_on_the_board_itself(server, browser):
    """An owner opening the board's link on a phone sees rows of the board in the first screen, not the filters
    (they wait behind the filter button)."""
    page = open_page(browser, server["url"], width=390, height=844)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-phone-390.png"))
    first_row = page.locator("table.qr-board tbody tr").first.bounding_box()
    assert first_row["y"] + first_row["height"] <= 844
    assert not page.is_visible('[data-testid="stSelectbox"]')
    page.click(".st-key-board_filters button")
    page.wait_for_selector('[data-testid="stPopoverBody"] [data-testid="stSelectbox"]', timeout=30_000)
    assert page.locator('[data-testid="stPopoverBody"] [data-testid="stSelectbox"]').count() == 4
    page.close()


def test_the_board_asks_nothing_of_the_internet(server, browser):
    """A plant's network is often closed: the board page, its sidebar icons and the tab's icon come from the app's
    own server (a page's Material icon as favicon would be fetched from fonts.gstatic.com)."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((server["url"], "data:", "blob:")) else None)
    page.goto(f"{server['url']}/?view=projector", timeout=60_000)
    page.wait_for_selector("table.qr-board tr[data-issue]", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    icons = page.eval_on_selector_all("link[rel*=icon]", "links => links.map(l => l.href)")
    page.close()
    assert icons and all(icon.startswith(server["url"]) for icon in icons), icons
    assert elsewhere == []


@pytest.mark.one_backend
@pytest.mark.parametrize("lang, words", [("zh", "此浏览器版本过旧"), ("en", "This browser is too old")])
def test_a_browser_too_old_to_inflate_the_board_is_told_so(server, browser, lang, words):
    """Without DecompressionStream (Safari before 16.4, Firefox before 113) the board cannot be unpacked: the page
    says so in its language instead of showing nothing."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script("delete window.DecompressionStream")
    page = context.new_page()
    page.goto(f"{server['url']}/?lang={lang}", timeout=60_000)
    told = page.locator('.qr-board-root[role="alert"]')
    told.wait_for(timeout=60_000)
    assert told.inner_text().startswith(words)
    assert page.locator("table.qr-board").count() == 0
    context.close()

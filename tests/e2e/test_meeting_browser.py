"""Presenter mode as the meeting room's projector shows it: the issue, its changes and both timers, readable."""
from datetime import datetime, timedelta, timezone

import pytest

from qr import db, store
from tests.e2e.conftest import ARTIFACTS, open_page, open_signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_backend]


@pytest.fixture(scope="module")
def meeting_today(server, browser):
    """The demo's past assembly meetings, a next report date moved since the last one, today's meeting started
    (once: the tests share the server and its database)."""
    open_page(browser, server["url"]).close()
    engine = db.make_engine(server["database_url"])
    db.use_engine(engine)
    try:
        area = next(a for a in store.reference_lists()["areas"] if a.code == "ASSY")
        facilitator = next(p for p in store.reference_lists()["people"] if p.name == "孙丽")
        now = datetime.now(timezone.utc)
        first = store.reporting_order(area.id).iloc[0]
        moved_to = max(first["next_report_on"] or store.today(), store.today()) + timedelta(days=4)
        store.set_next_report(actor_id=first["owner_id"], issue_id=first["id"], next_report_on=moved_to,
                              expected_version=first["version"], now=now - timedelta(minutes=5))
        store.start_meeting(actor_id=facilitator.id, area_id=area.id, now=now - timedelta(minutes=1))
        yield {"area": area, "facilitator": facilitator, "issue": first, "moved_to": moved_to}
    finally:
        db.use_engine(None)
        engine.dispose()


def _font_size(element) -> float:
    """The timers redraw every second: a node replaced between finding it and reading it has no style (NaN, seen
    under load), so read the element anew until it is in the page."""
    for _ in range(50):
        size = element.evaluate("e => e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : null")
        if size is not None:
            return float(size)
    raise AssertionError("the element was replaced on every read")


def _box(element) -> dict:
    """The element's box; None means it was between two redraws (the timers redraw every second), so ask again."""
    for _ in range(50):
        if (box := element.bounding_box()) is not None:
            return box
    raise AssertionError("the element was replaced on every read")


def test_presenter_mode_is_readable_at_1920x1080(server, browser, meeting_today):
    issue = meeting_today["issue"]
    page = open_signed_in(browser, f"{server['url']}/meeting?area=ASSY&view=presenter", "sunli")
    page.wait_for_selector("[data-timer='meeting']", timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "presenter-1920x1080.png"))
    card = page.locator(f"[data-presenter='{issue['number']}']")
    card.wait_for(state="visible", timeout=30_000)          # the timers redraw every second; the card may follow them
    assert issue["description"] in card.locator(".qr-presenter-title").inner_text()
    changes = card.locator(".qr-changes li")
    assert any(meeting_today["moved_to"].isoformat() in text and "下次汇报日期" in text
               for text in changes.all_inner_texts())
    shown = {"title": card.locator(".qr-presenter-title"), "change": changes.first,
             "issue timer": page.locator("[data-timer='issue']"), "meeting timer": page.locator("[data-timer='meeting']")}
    for name, element in shown.items():
        element.wait_for(state="visible", timeout=30_000)
        box = _box(element)
        assert box["y"] + box["height"] <= 1080, f"{name} is below the fold"
        size = _font_size(element)
        assert size >= 24, (name, size)
    assert page.locator("[data-timer='meeting']").inner_text().startswith("会议 0")
    page.close()


def test_a_tab_clicked_shows_its_content_which_was_not_drawn_before(server, browser, meeting_today):
    """Only the open tab runs on the server: the reporting order is not in the page until its tab is clicked, then
    it is, and the sign-in sheet is gone."""
    order_item = f"div.qr-order[data-issue='{meeting_today['issue']['number']}']"
    page = open_signed_in(browser, f"{server['url']}/meeting?area=ASSY", "sunli")
    sign_in_sheet = page.locator("[class*='st-key-attendance_']").first          # a radio per person: the first tab
    sign_in_sheet.wait_for(state="visible", timeout=60_000)
    assert page.locator(order_item).count() == 0
    page.get_by_role("tab", name="汇报顺序").click()
    page.locator(order_item).wait_for(state="visible", timeout=30_000)
    sign_in_sheet.wait_for(state="detached", timeout=30_000)
    page.close()

"""Markup typed into every configurable name (area, person, category and sub-type, step names) stays text on
every page: no script runs, no dialog fires, the names read literally."""
import pytest

from qr import db, demo, store
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_backend]

AREA = '<img src=x onerror=alert("area")>'
PERSON = '<script>alert("person")</script>'
CATEGORY = '<svg onload=alert("category")>'
SUBTYPE = '"><img src=x onerror=alert("sub")>'
STEP = '<img src=x onerror=alert("step")>'
SHORT = "<svg onload=alert()>"                     # 20 characters: a short name's limit
MARKDOWN = "[re-login](http://example.invalid) ![x](http://example.invalid/x.png) :red[alarm]"


@pytest.fixture(scope="module")
def hostile_names(server, browser):
    """The demo plant plus an area, a person with an account, a category with a sub-type and a renamed first
    step, each name a payload; an issue using all of them and the area's meeting started."""
    page = browser.new_page()
    page.goto(server["url"], timeout=60_000)
    page.wait_for_selector("table.qr-board", timeout=120_000)         # the first start loads the demo
    page.close()
    engine = db.make_engine(server["database_url"])
    db.use_engine(engine)
    try:
        area = store.create_area(actor_id=None, code="XSS", name_zh=AREA, name_en=AREA)
        person = store.create_person(actor_id=None, name=PERSON, name_en=PERSON, area_id=area.id,
                                     email="xss@qr-demo.local")
        store.create_account(actor_id=None, person_id=person.id, username="xss", role="owner",
                             password="xss-owner-secret-7")
        category = store.create_category(actor_id=None, code="xss", name_zh=CATEGORY, name_en=CATEGORY,
                                         kind="external")
        sub = store.create_category(actor_id=None, code="xss_sub", name_zh=SUBTYPE, name_en=SUBTYPE,
                                    kind="external", parent_id=category.id)
        template = next(t for t in store.reference_lists()["templates"] if t.severity == "A")
        customer = store.create_customer(actor_id=None, code="XSS", name_zh=PERSON, name_en=PERSON, site=AREA)
        first = store.template_steps(template.id)[0]
        store.update_template_step(actor_id=None, template_step_id=first.id, name_zh=STEP, name_en=STEP,
                                   short_zh=SHORT, short_en=SHORT, eight_d="D3", guide_limit_days=1, may_be_na=False)
        _closed_with_a_lesson(person, sub, area, template, customer)  # a lesson, a proposal, a read-across target
        issue = store.create_issue(actor_id=person.id, description=f"XSS 名称测试 {MARKDOWN}", category_id=sub.id,
                                   area_id=area.id, customer_id=customer.id,
                                   severity="A", owner_id=person.id, lead_id=person.id, opened_on=store.today(),
                                   next_report_on=store.today(), template_id=template.id)
        facilitator = store.signed_in_by_email("sunli@qr-demo.local")
        meeting = store.start_meeting(actor_id=facilitator.person_id, area_id=area.id)
        store.add_guest(actor_id=facilitator.person_id, meeting_id=meeting.id, name=MARKDOWN,
                        expected_version=meeting.version)          # a radio label on the sign-in sheet
        yield issue.number
    finally:
        db.use_engine(None)
        engine.dispose()


def _closed_with_a_lesson(person, category, area, template, customer) -> None:
    """An earlier issue like the open one, its read-across target, 8D and lesson all payloads, closed."""
    issue = store.create_issue(actor_id=person.id, description=f"XSS 名称测试 {PERSON}", category_id=category.id,
                               area_id=area.id, severity="A", owner_id=person.id, lead_id=person.id,
                               opened_on=store.today(), next_report_on=store.today(), template_id=template.id,
                               part_number=AREA, customer_id=customer.id)
    version = issue.version
    store.add_read_across_target(actor_id=None, issue_id=issue.id, kind="line", target=STEP, owner_id=person.id,
                                 due_on=store.today(), expected_version=version)
    target = store.read_across_targets(issue.id)[0]["id"]
    store.settle_read_across_target(actor_id=None, target_id=target, state="done", evidence=MARKDOWN,
                                    settled_on=store.today(), expected_version=version + 1)
    version += 2
    for section, values in (("D2", {"where": AREA}), ("D4", {"occurrence_root": PERSON}), ("D5", {"actions": MARKDOWN})):
        store.save_eight_d(actor_id=None, issue_id=issue.id, section=section, values=values, expected_version=version)
        version += 1
    for step in store.issue_detail(issue.number).steps:
        store.complete_step(actor_id=None, step_id=step["id"], done_on=store.today(), expected_version=version)
        version += 1
    store.attach_file(actor_id=None, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version)
    store.close_issue(actor_id=None, issue_id=issue.id, closed_on=store.today(), reason=MARKDOWN,
                      expected_version=version + 1, accepted_by=MARKDOWN, accepted_how="signed")


PAGES = ["", "?view=projector", "update", "meeting?area=XSS", "meeting?area=XSS&view=presenter", "excel",
         "trends", "follow_up", "issue?no={number}", "lessons", "admin", "login", "?lang=en", "admin?lang=en"]


@pytest.fixture(scope="module")
def signed_in_admin(server, browser):
    """One browser signed in as the administrator (every page then shows all it has): each page opens in a new tab
    of it, as a person does, instead of signing in again for each."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{server['url']}/login", timeout=60_000)
    sign_in(page, "admin")
    page.close()
    yield context
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_name_runs_as_markup(server, signed_in_admin, hostile_names, path):
    page = signed_in_admin.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server['url']}/{path.format(number=hostile_names)}", timeout=60_000)
    page.wait_for_selector("form.qr-sign-out", state="attached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)
    for tab in page.get_by_role("tab").all():                            # the admin page's sections
        tab.click()
        page.wait_for_timeout(300)
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert page.query_selector_all('[data-testid="stException"]') == []
    injected = "() => [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length"
    assert page.evaluate(injected) == 0
    assert page.locator('a[href*="example.invalid"], img[src*="example.invalid"]').count() == 0   # Markdown stays text
    page.close()


def test_the_names_read_literally(server, browser, hostile_names):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server['url']}/issue?no={hostile_names}", timeout=60_000)
    page.wait_for_selector("table.qr-fields", timeout=60_000)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert all(name in text for name in (AREA, PERSON, SUBTYPE, STEP))
    assert MARKDOWN in text
    page.goto(f"{server['url']}/lessons", timeout=60_000)
    page.locator(".qr-lesson", has_text=PERSON).wait_for(timeout=60_000)
    lesson = page.locator(".qr-lesson", has_text=PERSON).inner_text()
    assert AREA in lesson and MARKDOWN in lesson                         # part and process, what changed
    page.goto(f"{server['url']}/meeting?area=XSS", timeout=60_000)
    page.wait_for_selector("form.qr-sign-in, form.qr-sign-out", state="attached", timeout=60_000)   # drawn
    if page.locator("form.qr-sign-in").count():
        sign_in(page, "sunli")
    guest = page.locator('[data-testid="stRadio"]', has_text="re-login")
    guest.wait_for(timeout=60_000)
    assert MARKDOWN in guest.inner_text().replace("\u2060", "")     # as typed (a word joiner keeps "://" unlinked)
    page.goto(f"{server['url']}/?area=XSS", timeout=60_000)
    page.wait_for_selector("table.qr-board", timeout=60_000)
    assert AREA in page.locator('[data-testid="stMain"]').inner_text()
    page.close()

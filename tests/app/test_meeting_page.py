"""A whole daily meeting through the meeting page: sign-in, review of new issues, presenter mode, a decision,
the end."""
from datetime import timedelta
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from qr.i18n import t
from tests.app.driving import open_tab, page_html, submit
from tests.app.signing import app_as
from tests.conftest import plant_moment, statements_sent

MEMBERS = [("王芳", "Wang Fang"), ("李强", "Li Qiang"), ("刘洋", "Liu Yang"), ("陈静", "Chen Jing"),
           ("杨磊", "Yang Lei")]
DESCRIPTIONS = ["客户投诉：左前门内饰板卡扣断裂", "PRR：后保险杠支架焊点虚焊", "售后：仪表板左侧异响"]


@pytest.fixture
def meeting_plant(plant):
    """Seven people in the area, three board issues and one minor finding on the list, all created just now."""
    st.cache_data.clear()
    for zh, en in MEMBERS:
        store.create_person(name=zh, name_en=en, area_id=plant["area"].id)
    today = store.today()

    def create(description, category, severity, template):
        return store.create_issue(actor_id=plant["owner"].id, description=description,
                                  category_id=plant["categories"][category].id, area_id=plant["area"].id,
                                  severity=severity, owner_id=plant["owner"].id, lead_id=plant["lead"].id,
                                  opened_on=today, next_report_on=today, template_id=plant["templates"][template].id)
    board = [create(text, "complaint", "A", "standard") for text in DESCRIPTIONS]
    minor = create("LPA：总装防错点检表漏填(夜班)", "lpa", "C", "minor")
    return {**plant, "board": board, "minor": minor, "today": today}


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _meeting_page(plant, lang: str = "zh") -> AppTest:
    at = app_as(plant["lead"].id, area=plant["area"].code, lang=lang)
    at.run()
    at.switch_page("app_pages/meeting.py")
    return _ok(at.run())


def _submit(at: AppTest, form: str) -> AppTest:
    return _ok(submit(at, form))                # and no error box: a meeting's forms are all expected to pass


def test_a_whole_meeting(meeting_plant):
    plant = meeting_plant
    at = _meeting_page(plant)
    assert at.info[0].value == "今天总装车间的快速响应会尚未开始。"
    _ok(at.button(key="start_meeting").click().run())
    held = store.meeting_on(plant["area"].id, plant["today"])
    assert held["facilitator"] == "孙丽"

    sheet = store.sign_in_sheet(held["id"])
    assert len(sheet) == 7
    for n, line in enumerate(sheet):
        at.radio(key=f"attendance_{line['id']}").set_value("present" if n < 5 else "absent")
    _submit(at, "sign_in")
    assert [s.value for s in at.success] == ["签到已保存。"]
    assert any("与会率 71.4%（5/7人" in m.value for m in at.markdown)

    minor = plant["minor"]
    open_tab(at, "meeting_tab", "新问题回顾")
    assert f'data-issue="{minor.number}" data-on-board="false"' in page_html(at)
    _ok(at.button(key=f"promote_{minor.id}").click().run())
    assert [s.value for s in at.success] == [f"{minor.number} 已上板。"]

    _ok(at.toggle(key="presenter").set_value(True).run())
    assert at.query_params["view"] == "presenter"
    shown = []
    for step in range(3):
        card = re.search(r'data-presenter="([^"]+)"', page_html(at)).group(1)
        shown.append(card)
        assert 'data-timer="issue"' in page_html(at) and 'data-timer="meeting"' in page_html(at)
        if step == 1:
            issue = next(i for i in plant["board"] if i.number == card)
            at.radio(key=f"decision_kind_{issue.id}").set_value("action")
            at.text_input(key=f"decision_action_{issue.id}").input("联系供应商，周五前提供8D报告")
            _submit(at, f"decision_{issue.id}")
            assert [s.value for s in at.success] == [f"已记录{card}的决定。"]
        _ok(at.button(key="presenter_next").click().run())
    assert shown == [i.number for i in plant["board"]]
    _ok(at.button(key="end_meeting").click().run())

    held = store.meeting_on(plant["area"].id, plant["today"])
    assert held["ended_at"] is not None
    minutes = store.meeting_minutes(held["id"])
    assert f"{minutes.attendance_rate:.1%}" == "71.4%"
    assert [item["number"] for item in minutes.items] == shown
    [decision] = store.meeting_decisions(held["id"])
    assert (decision["kind"], decision["action"], decision["action_owner"], decision["number"]) == \
        ("action", "联系供应商，周五前提供8D报告", "张伟", shown[1])
    history = [(h["field"], h["actor"]) for h in store.issue_detail(shown[1]).history]
    assert ("decision_action", "孙丽") in history
    assert ("on_board", "孙丽") in [(h["field"], h["actor"]) for h in store.issue_detail(minor.number).history]
    assert minor.number in list(store.board_frame()["number"])


def test_page_in_english_asks_to_sign_in_first(meeting_plant):
    at = app_as(None, lang="en")
    at.run()
    at.switch_page("app_pages/meeting.py")
    _ok(at.run())
    assert [i.value for i in at.info] == [t("login.needed", "en")]


def test_an_owner_may_not_start_the_meeting(meeting_plant):
    at = app_as(meeting_plant["owner"].id, area=meeting_plant["area"].code, lang="en")
    at.run()
    at.switch_page("app_pages/meeting.py")
    _ok(at.run())
    at.button(key="start_meeting").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Your role (owner) may not run meetings (sign-in, review of new issues, "
                                           "reporting order, board or watch list, daily quality status)."]
    assert store.meeting_on(meeting_plant["area"].id, meeting_plant["today"]) is None


def test_qchart_override_needs_a_note(meeting_plant):
    at = _meeting_page(meeting_plant)
    _ok(at.button(key="start_meeting").click().run())
    open_tab(at, "meeting_tab", "质量状态日历")
    assert 'data-colour="R"' in page_html(at)                    # a new customer complaint today
    at.radio(key="qchart_colour").set_value("Y")
    button = next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:qchart_override-"))
    button.click().run()
    assert [e.value for e in at.error] == ["请填写“说明”。"]
    at.text_input(key="qchart_note").input("客户确认非质量问题")
    _submit(at, "qchart_override")
    assert store.quality_status(on=meeting_plant["today"])[0] | {"area_id": 0} == {
        "area_id": 0, "area_zh": "总装车间", "area_en": "Final assembly", "colour": "Y", "overridden": True,
        "note": "客户确认非质量问题"}


def test_list_issues_stay_off_the_board_but_on_the_owners_update_page(meeting_plant):
    minor = meeting_plant["minor"]
    board = app_as(meeting_plant["owner"].id)
    _ok(board.run())
    assert f'data-issue="{minor.number}"' not in page_html(board)
    assert all(f'data-issue="{i.number}"' in page_html(board) for i in meeting_plant["board"])
    update = app_as(meeting_plant["owner"].id)
    update.run()
    update.switch_page("app_pages/update.py")
    _ok(update.run())
    assert any(minor.number in e.label for e in update.expander)


def test_a_decision_on_an_issue_its_owner_just_changed_is_refused_then_applied_after_reload(meeting_plant):
    plant = meeting_plant
    at = _meeting_page(plant)
    _ok(at.button(key="start_meeting").click().run())
    _ok(at.toggle(key="presenter").set_value(True).run())
    first = plant["board"][0]
    assert f'data-presenter="{first.number}"' in page_html(at)
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=store.issue_detail(first.number).steps[0]["id"],
                             countermeasure="已通知供应商", expected_version=first.version)     # from the owner's phone
    at.radio(key=f"decision_kind_{first.id}").set_value("escalate")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:decision_{first.id}-")).click().run()
    assert at.error[0].value.startswith(f"{first.number} 已被张伟于")
    assert store.meeting_decisions(store.meeting_on(plant["area"].id, plant["today"])["id"]) == []
    _ok(at.button(key=f"reload_{first.id}").click().run())
    _submit(at, f"decision_{first.id}")
    assert store.board_frame().set_index("number").loc[first.number, "escalation_level"] == 1


def test_a_tier_change_on_an_issue_its_owner_changed_after_the_order_was_shown_is_refused(meeting_plant):
    plant = meeting_plant
    at = _meeting_page(plant)
    _ok(at.button(key="start_meeting").click().run())
    open_tab(at, "meeting_tab", "汇报顺序")
    first = plant["board"][0]
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=store.issue_detail(first.number).steps[0]["id"],
                             countermeasure="已通知供应商", expected_version=first.version)     # from the owner's phone
    at.selectbox(key="tier_issue").set_value(first.id)
    at.radio(key="tier_to").set_value(False)
    at.text_input(key="tier_reason").input("内部已遏制")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:tier-")).click().run()
    assert at.error[0].value.startswith(f"{first.number} 已被张伟于")
    assert first.number in list(store.board_frame()["number"])


def test_a_second_facilitators_stale_sign_in_is_refused_and_can_be_reloaded(meeting_plant):
    plant = meeting_plant
    store.set_role(actor_id=None, person_id=plant["owner"].id, role="facilitator")    # the second facilitator
    at = _meeting_page(plant)
    _ok(at.button(key="start_meeting").click().run())
    held = store.meeting_on(plant["area"].id, plant["today"])
    first = store.sign_in_sheet(held["id"])[0]
    store.sign_in(actor_id=plant["owner"].id, meeting_id=held["id"], statuses={first["id"]: "late"},
                  expected_version=held["version"])                       # the other facilitator's tablet
    at.radio(key=f"attendance_{first['id']}").set_value("present")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:sign_in-")).click().run()
    assert at.error[0].value.startswith("会议已被张伟于")
    assert store.sign_in_sheet(held["id"])[0]["status"] == "late"
    _ok(at.button(key=f"reload_meeting-{held['id']}").click().run())
    _submit(at, "sign_in")
    assert store.sign_in_sheet(held["id"])[0]["status"] == "present"


def test_presenter_in_english(meeting_plant):
    at = _meeting_page(meeting_plant, "en")
    _ok(at.button(key="start_meeting").click().run())
    assert any("Attendance 0.0% (0 of 7" in m.value for m in at.markdown)
    _ok(at.toggle(key="presenter").set_value(True).run())
    html = page_html(at)
    assert f'data-presenter="{meeting_plant["board"][0].number}"' in html
    assert all(text in html for text in ("1 of 4", "This issue 02:00", "Changed since the last meeting",
                                         "Countermeasures of yellow and red steps", "Next report: "))


def test_the_page_shows_who_updated_their_issues_since_the_last_meeting(plant):
    """Yesterday's meeting, then 张伟 saves a countermeasure on one of his two issues: 50 % before today's."""
    st.cache_data.clear()
    today = store.today()
    issues = [store.create_issue(actor_id=plant["lead"].id, description=f"问题{n}", severity="A",
                                 category_id=plant["categories"]["complaint"].id, area_id=plant["area"].id,
                                 owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=today - timedelta(days=5),
                                 next_report_on=today, template_id=plant["templates"]["standard"].id,
                                 now=plant_moment(today - timedelta(days=5))) for n in range(2)]
    store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=plant_moment(today - timedelta(days=1), 8))
    step = store.issue_detail(issues[0].number).steps[0]
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=step["id"], countermeasure="每日跟进",
                             expected_version=issues[0].version, now=plant_moment(today - timedelta(days=1), 15))
    at = _meeting_page(plant, lang="en")
    (expander,) = [e for e in at.expander if e.label.startswith("Update compliance")]
    assert expander.label.endswith("· 50%")
    table = next(df.value for df in at.dataframe if "Owner" in df.value.columns and "Compliance %" in df.value.columns)
    assert table.to_dict("records") == [{"Owner": "Zhang Wei", "Issues due an update": 2, "Updated": 1,
                                         "Compliance %": "50%"}]


TAB_LABELS = ["签到表", "新问题回顾", "汇报顺序", "质量状态日历", "会议纪要"]


def _statements_per_tab(at: AppTest, engine) -> dict[str, int]:
    """Statements the meeting page sends while it is drawn with each tab open, every page cache empty."""
    counts = {}
    for label in TAB_LABELS:
        open_tab(at, "meeting_tab", label)
        st.cache_data.clear()
        counts[label], drawn = statements_sent(engine, at.run)
        _ok(drawn)
    return counts


def _report_and_decide(plant, meeting_id: int, issues) -> None:
    """Each issue reported at the meeting, with an action decided on it."""
    for issue in issues:
        store.record_report(actor_id=plant["lead"].id, meeting_id=meeting_id, issue_id=issue.id)
        store.decide_action(actor_id=plant["lead"].id, meeting_id=meeting_id, issue_id=issue.id,
                            action=f"跟进 {issue.number}", owner_id=plant["owner"].id, due_on=plant["today"],
                            expected_version=store.issue_detail(issue.number).issue["version"])


def _meeting_held_with_decisions(plant) -> tuple[AppTest, dict]:
    """Today's meeting started on the page, its board issues reported with an action decided on each."""
    at = _meeting_page(plant)
    _ok(at.button(key="start_meeting").click().run())
    held = store.meeting_on(plant["area"].id, plant["today"])
    _report_and_decide(plant, held["id"], plant["board"])
    return at, held


def test_a_render_sends_as_many_statements_for_three_items_as_for_twelve(meeting_plant, engine):
    """The minutes, the review list, the reporting order and the sign-in sheet read all items at once: a longer
    meeting costs no more round trips to the database, whichever tab is open."""
    plant = meeting_plant
    at, held = _meeting_held_with_decisions(plant)
    three = _statements_per_tab(at, engine)
    assert len(store.meeting_minutes(held["id"]).items) == 3
    more = [store.create_issue(actor_id=plant["owner"].id, description=f"客户投诉：批次{n}色差",
                               category_id=plant["categories"]["complaint"].id, area_id=plant["area"].id,
                               severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
                               opened_on=plant["today"], next_report_on=plant["today"],
                               template_id=plant["templates"]["standard"].id) for n in range(9)]
    _report_and_decide(plant, held["id"], more)
    twelve = _statements_per_tab(at, engine)
    assert len(store.meeting_minutes(held["id"]).items) == 12
    assert twelve == three, (three, twelve)


def test_only_the_open_tab_is_drawn_and_it_stays_open(meeting_plant, engine):
    """The minutes, the order and the Q-chart are not read while the facilitator takes sign-in: each costs
    statements only when its tab is open; a rerun (a form sent) keeps the tab that was open."""
    plant = meeting_plant
    at, _ = _meeting_held_with_decisions(plant)
    counts = _statements_per_tab(at, engine)
    markers = {"新问题回顾": 'class="qr-review"', "汇报顺序": 'class="qr-order"', "质量状态日历": 'class="qr-qchart"',
               "会议纪要": 'qr-minutes"'}
    for label in TAB_LABELS:
        open_tab(at, "meeting_tab", label)
        drawn = {name for name, marker in markers.items() if marker in page_html(at)}
        if any(r.key and r.key.startswith("attendance_") for r in at.radio):
            drawn.add("签到表")
        assert drawn == {label}, (label, drawn)
    assert counts["签到表"] < counts["会议纪要"], counts
    open_tab(at, "meeting_tab", "新问题回顾")
    _ok(at.button(key=f"promote_{plant['minor'].id}").click().run())
    assert at.session_state["meeting_tab"] == "新问题回顾"
    assert 'class="qr-review"' in page_html(at)

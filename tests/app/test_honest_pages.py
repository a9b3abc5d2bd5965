"""The rules that keep the board honest, through the pages: an owner's completion verified or returned by the
quality engineer, a red step's move requested by the owner and approved or refused by the facilitator, the
countermeasure asked for first, presenter mode's list of steps waiting for verification, a tier change and a
missing function on the sign-in sheet."""
from datetime import timedelta
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from qr.i18n import t
from tests.app.driving import open_tab, page_html, submit
from tests.app.signing import app_as


@pytest.fixture
def ten_days(plant, open_issue):
    """One issue opened 10 days ago: containment (target day 1) and root cause (day 7) are red, without
    countermeasures; corrective action (day 15) is yellow."""
    st.cache_data.clear()
    today = store.today()
    return {**plant, "issue": open_issue(today - timedelta(days=10), next_report_on=today), "today": today}


def _page(plant, who: str, page: str = "app_pages/update.py", **query) -> AppTest:
    at = app_as(plant[who].id, **query)
    at.run()
    at.switch_page(page)
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _steps(number: str) -> dict[str, dict]:
    return {s["code"]: s for s in store.issue_detail(number).steps}


def _review_tab(at: AppTest):
    return next(tab for tab in at.tabs if tab.label == "验证与批准")


def test_the_quality_engineer_returns_then_verifies_an_owners_completion(ten_days):
    issue, containment = ten_days["issue"], _steps(ten_days["issue"].number)["containment"]
    owner = _page(ten_days, "owner")
    owner.text_input(key=f"evidence_{issue.id}").input("隔离区照片")
    submit(owner, f"step_form_{issue.id}")                        # defaults: containment, completed, today
    assert _steps(issue.number)["containment"]["to_verify"]

    lead = _page(ten_days, "lead")
    tab = _review_tab(lead)
    assert any(f"{issue.number} · 遏制措施 · 责任人张伟" in m.value and "隔离区照片" in m.value for m in tab.markdown)
    submit(lead, f"verify_{containment['id']}", "退回")
    assert [e.value for e in lead.error] == ["请填写“原因”。"]
    lead.text_input(key=f"verify_note_{containment['id']}").input("照片看不出批次，请补充客户处检查记录")
    submit(lead, f"verify_{containment['id']}", "退回")
    assert [s.value for s in lead.success] == [f"{issue.number} 的步骤已退回。"]
    returned = _steps(issue.number)["containment"]
    assert (returned["to_verify"], returned["return_reason"]) == (False, "照片看不出批次，请补充客户处检查记录")

    owner = _page(ten_days, "owner")
    assert "验证退回：照片看不出批次" in page_html(owner)                # the owner sees why
    owner.text_input(key=f"evidence_{issue.id}").input("客户处检查记录(批次B1123)")
    submit(owner, f"step_form_{issue.id}")
    lead = _page(ten_days, "lead")
    submit(lead, f"verify_{containment['id']}", "验证通过")
    assert [s.value for s in lead.success] == [f"{issue.number} 的步骤已验证通过。"]
    verified = _steps(issue.number)["containment"]
    assert (verified["state"], verified["verified_on"], verified["completed_on"]) == (
        "done", ten_days["today"], ten_days["today"])
    newest = store.issue_detail(issue.number).history[0]
    assert (newest["field"], newest["actor"]) == ("verified_by_id", "孙丽")
    assert "没有待验证的步骤。" in [c.value for c in _review_tab(lead).caption]


def test_the_facilitator_refuses_then_approves_a_red_steps_move(ten_days):
    issue, root_cause = ten_days["issue"], _steps(ten_days["issue"].number)["root_cause"]
    new_target = ten_days["today"] + timedelta(days=5)
    owner = _page(ten_days, "owner")
    owner.selectbox(key=f"step_{issue.id}").set_value(root_cause["id"])
    owner.radio(key=f"action_{issue.id}").set_value("move_target")
    owner.date_input(key=f"date_{issue.id}").set_value(new_target)
    owner.text_input(key=f"reason_{issue.id}").input("供应商分析报告下周到")
    submit(owner, f"step_form_{issue.id}")
    assert [s.value for s in owner.success] == [t("update.move_requested", number=issue.number)]
    requested = _steps(issue.number)["root_cause"]
    assert (requested["status"], requested["move_requested_on"], requested["target_moves"]) == ("R", new_target, 0)

    lead = _page(ten_days, "lead")
    assert any("供应商分析报告下周到" in m.value for m in _review_tab(lead).markdown)
    submit(lead, f"move_{root_cause['id']}", "拒绝")
    assert [e.value for e in lead.error] == ["请填写“原因”。"]
    lead.text_input(key=f"move_note_{root_cause['id']}").input("先把5-Why做完")
    submit(lead, f"move_{root_cause['id']}", "拒绝")
    assert [s.value for s in lead.success] == [f"{issue.number} 的改期已拒绝。"]
    refused = _steps(issue.number)["root_cause"]
    assert (refused["status"], refused["move_requested_on"], refused["target_on"]) == (
        "R", None, root_cause["target_on"])

    store.move_target(actor_id=ten_days["owner"].id, step_id=root_cause["id"], target_on=new_target,
                      reason="5-Why已完成，等供应商验证", expected_version=store.issue_detail(issue.number).issue["version"])
    lead = _page(ten_days, "lead")
    submit(lead, f"move_{root_cause['id']}", "批准")
    assert [s.value for s in lead.success] == [f"{issue.number} 的改期已批准。"]
    approved = _steps(issue.number)["root_cause"]
    assert (approved["status"], approved["target_on"], approved["target_moves"], approved["original_target_on"]) == (
        "Y", new_target, 1, root_cause["target_on"])
    board = _page(ten_days, "owner", page="app_pages/tracking_board.py")
    assert re.search(rf'data-step="root_cause" data-moves="1" data-original-target="{root_cause["target_on"]}"',
                     page_html(board))


def test_the_owner_is_asked_for_the_countermeasure_first(ten_days):
    issue = ten_days["issue"]
    owner = _page(ten_days, "owner")
    assert any(w.value.startswith("先填写对策：以下红色步骤还没有对策/下一步: R · 遏制措施、R · 根本原因分析")
               for w in owner.warning)
    board = _page(ten_days, "owner", page="app_pages/tracking_board.py")
    assert 'data-counter="no_countermeasure">⊘ 红色无对策 <b>2</b>' in page_html(board)
    owner.text_area(key=f"first_text_{issue.id}").input("已隔离在制品，今天完成全检")
    submit(owner, f"countermeasure_first_{issue.id}")
    assert _steps(issue.number)["containment"]["countermeasure"] == "已隔离在制品，今天完成全检"
    board = _page(ten_days, "owner", page="app_pages/tracking_board.py")
    assert 'data-counter="no_countermeasure">⊘ 红色无对策 <b>1</b>' in page_html(board)


def test_presenter_mode_lists_the_steps_waiting_for_verification(ten_days):
    issue = ten_days["issue"]
    containment = _steps(issue.number)["containment"]
    store.complete_step(actor_id=ten_days["owner"].id, step_id=containment["id"], done_on=ten_days["today"],
                        evidence="全检记录", expected_version=issue.version)
    at = _page(ten_days, "lead", page="app_pages/meeting.py", area=ten_days["area"].code)
    _ok(at.button(key="start_meeting").click().run())
    _ok(at.toggle(key="presenter").set_value(True).run())
    html = page_html(at)
    assert 'data-to-verify="1"' in html and f'data-issue="{issue.number}" data-step-id="{containment["id"]}"' in html
    assert "本区域完成待验证的步骤(1)" in html and "全检记录" in html
    assert '<ul class="qr-waiting">' in html                          # on the issue's own card too


def test_a_tier_change_in_the_meeting_and_a_missing_function_on_the_sign_in_sheet(ten_days):
    store.update_area(actor_id=None, area_id=ten_days["area"].id, name_zh="总装车间", name_en="Final assembly",
                      required_functions=["quality", "sqe"])
    store.create_person(name="吴刚", name_en="Wu Gang", area_id=ten_days["area"].id, function="quality")
    issue = ten_days["issue"]
    at = _page(ten_days, "lead", page="app_pages/meeting.py", area=ten_days["area"].code)
    _ok(at.button(key="start_meeting").click().run())
    held = store.meeting_on(ten_days["area"].id, ten_days["today"])
    line = next(line for line in store.sign_in_sheet(held["id"]) if line["name"] == "吴刚")
    at.radio(key=f"attendance_{line['id']}").set_value("present")
    submit(at, "sign_in")
    assert [w.value for w in at.warning] == ["缺少职能：SQE(本区域要求到场)"]
    at.text_input(key="guest_name").input("供应商质量 周工")
    at.selectbox(key="guest_function").set_value("sqe")
    submit(at, "guest")
    assert not at.warning and any(c.value == "要求的职能均已到场：质量、SQE" for c in at.caption)

    open_tab(at, "meeting_tab", "汇报顺序")
    at.radio(key="tier_to").set_value(False)
    submit(at, "tier")
    assert [e.value for e in at.error] == ["请填写“原因”。"]
    at.text_input(key="tier_reason").input("内部已遏制，客户未受影响")
    submit(at, "tier")
    assert [s.value for s in at.success] == [f"{issue.number} 已改为：观察清单。"]
    assert f'data-issue="{issue.number}" data-tier="watch"' in page_html(at)
    assert store.board_frame().empty                                       # off the board, still in the meeting
    history = [(h["field"], h["new"], h["reason"]) for h in store.issue_detail(issue.number).history]
    assert ("on_board", "False", "内部已遏制，客户未受影响") in history

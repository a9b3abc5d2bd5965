"""The update page through AppTest: every owner action, checked in the database and in the history."""
from datetime import timedelta
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from sqlmodel import select

from models import Issue
from qr import db, demo, store
from qr.i18n import t
from tests.app.driving import page_html, submit, update_page
from tests.app.signing import app_as


@pytest.fixture
def owner_plant(plant, open_issue):
    """One issue opened 10 days ago: containment and root cause are red, the rest yellow."""
    st.cache_data.clear()
    today = store.today()
    issue = open_issue(today - timedelta(days=10), next_report_on=today)
    return {**plant, "issue": issue, "today": today}


def _page(plant, lang: str = "zh", who: str = "owner") -> AppTest:
    return update_page(plant[who].id, lang=lang)


def _steps(number: str) -> dict[str, dict]:
    return {s["code"]: s for s in store.issue_detail(number).steps}


def _history(number: str) -> list[tuple[str, str | None, str]]:
    return [(h["field"], h["new"], h["actor"]) for h in store.issue_detail(number).history]


def test_page_runs_in_both_languages_and_asks_to_sign_in(owner_plant):
    for lang, title in (("zh", "更新我的问题"), ("en", "Update my issues")):
        at = _page(owner_plant, lang)
        assert any(title in m.value for m in at.markdown)
        assert any(owner_plant["issue"].number in e.label for e in at.expander)
    anonymous = app_as(None)
    anonymous.run()
    anonymous.switch_page("app_pages/update.py").run()
    assert [i.value for i in anonymous.info] == [t("login.needed", "zh")]   # says a change sent now is not saved
    sign_in_form = page_html(anonymous)
    assert '<form class="qr-sign-in"' in sign_in_form and not anonymous.expander


def test_create_an_issue(owner_plant):
    at = _page(owner_plant)
    at.text_area(key="new_description").input("GP12：前围板毛刺超差，检出12件")
    at.text_input(key="new_part").input("5101-0044")
    at.radio(key="new_severity").set_value("B")
    submit(at, "new_issue")
    assert [s.value for s in at.success] == ["已创建 QR-2026-0002。"]
    with db.read_session() as session:
        created = session.exec(select(Issue).where(Issue.description == "GP12：前围板毛刺超差，检出12件")).one()
    assert (created.part_number, created.severity, created.owner_id) == ("5101-0044", "B", owner_plant["owner"].id)
    assert _history(created.number) == [("created", created.number, "张伟")]


def test_create_refuses_an_empty_description_and_keeps_the_input(owner_plant):
    at = _page(owner_plant)
    at.text_input(key="new_part").input("5101-0044")
    submit(at, "new_issue")
    assert [e.value for e in at.error] == ["请填写“问题描述”。"]
    assert at.text_input(key="new_part").value == "5101-0044"
    assert store.issue_count() == 1


def test_complete_a_step_with_one_click(owner_plant):
    """The quality engineer's completion is one click and green at once; an owner's says what the evidence is."""
    issue = owner_plant["issue"]
    at = _page(owner_plant, who="lead")
    submit(at, f"step_form_{issue.id}")          # defaults: first open step, completed, today
    assert [s.value for s in at.success] == [f"已保存 {issue.number}。"]
    containment = _steps(issue.number)["containment"]
    assert (containment["state"], containment["completed_on"]) == ("done", owner_plant["today"])
    assert ("completed_on", owner_plant["today"].isoformat(), "孙丽") in _history(issue.number)


def test_an_owners_completion_with_its_evidence_waits_for_verification(owner_plant):
    issue = owner_plant["issue"]
    root_cause = _steps(issue.number)["root_cause"]
    at = _page(owner_plant)
    at.selectbox(key=f"step_{issue.id}").set_value(root_cause["id"])
    submit(at, f"step_form_{issue.id}")
    assert [e.value for e in at.error] == [
        "步骤“根本原因分析”标记完成须附佐证材料：填写说明，或先为该步骤上传文件。"]
    at.text_input(key=f"evidence_{issue.id}").input("5-Why分析报告已上传")
    submit(at, f"step_form_{issue.id}")
    assert [s.value for s in at.success] == [f"已保存 {issue.number}。"]
    step = _steps(issue.number)["root_cause"]
    assert (step["state"], step["to_verify"], step["claimed_on"], step["evidence"]) == (
        "open", True, owner_plant["today"], "5-Why分析报告已上传")
    assert 'data-verify="pending"' in _row_html(at, step["id"])
    assert not [t for t in at.tabs if t.label == "验证与批准"]          # the owner checks nothing


def _row_html(at: AppTest, step_id: int) -> str:
    page = page_html(at)
    start = page.index(f'data-step-id="{step_id}"')
    return page[start:start + 400]


def test_red_step_is_refused_without_a_countermeasure(owner_plant):
    issue = owner_plant["issue"]
    root_cause = _steps(issue.number)["root_cause"]
    at = _page(owner_plant)
    at.selectbox(key=f"step_{issue.id}").set_value(root_cause["id"])
    at.radio(key=f"action_{issue.id}").set_value("countermeasure")
    submit(at, f"step_form_{issue.id}")
    assert [e.value for e in at.error] == ["步骤“根本原因分析”为红色或临近目标日期，必须填写对策/下一步。"]
    assert _history(issue.number) == [("created", issue.number, "张伟")]
    at.text_area(key=f"text_{issue.id}").input("5-Why 分析中，周五汇报")
    submit(at, f"step_form_{issue.id}")
    assert _steps(issue.number)["root_cause"]["countermeasure"] == "5-Why 分析中，周五汇报"
    assert ("countermeasure", "5-Why 分析中，周五汇报", "张伟") in _history(issue.number)


def test_close_is_refused_with_open_steps_then_closes_and_reopens(owner_plant):
    """Closing is the facilitator's (the lead here); the owner's page has no close form."""
    issue = owner_plant["issue"]
    assert not [b for b in _page(owner_plant).button if b.key and b.key.startswith("FormSubmitter:close_form_")]
    at = _page(owner_plant, who="lead")
    at.text_input(key=f"close_reason_{issue.id}").input("客户确认")
    submit(at, f"close_form_{issue.id}")
    assert at.error and at.error[0].value.startswith("还有未完成的步骤：遏制措施、根本原因分析")
    assert store.board_frame().iloc[0]["closed_on"] is None

    version = issue.version
    for step in store.issue_detail(issue.number).steps:     # the work was finished and checked meanwhile
        store.complete_step(actor_id=owner_plant["lead"].id, step_id=step["id"], done_on=owner_plant["today"],
                            expected_version=version)
        version += 1
    store.attach_file(actor_id=owner_plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version)
    at = _page(owner_plant, who="lead")
    at.text_input(key=f"close_reason_{issue.id}").input("全部退出标准达成")
    at.text_input(key=f"accepted_by_{issue.id}").input("客户SQE")        # a customer's complaint: its acceptance
    at.selectbox(key=f"accepted_how_{issue.id}").set_value("email")
    submit(at, f"close_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已关闭。"]
    assert store.board_frame().empty
    assert ("closed_on", owner_plant["today"].isoformat(), "孙丽") in _history(issue.number)

    at.toggle(key="update_closed").set_value(True).run()
    at.text_input(key=f"close_reason_{issue.id}").input("客户再次抱怨")
    submit(at, f"close_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已重新打开。"]
    assert list(store.board_frame()["number"]) == [issue.number]
    reopened = store.issue_detail(issue.number).history
    assert any(h["field"] == "closed_on" and h["new"] is None and h["reason"] == "客户再次抱怨" for h in reopened)


def test_a_facilitator_cancels_a_duplicate_with_its_reason(owner_plant):
    """Cancel sits beside close in the facilitator's form: no steps or report asked, the reason kept."""
    issue = owner_plant["issue"]
    assert not [b for b in _page(owner_plant).button if b.key == f"cancel_{issue.id}"]
    at = _page(owner_plant, who="lead")
    at.text_input(key=f"close_reason_{issue.id}").input("与QR-2026-0007重复")
    at.button(key=f"cancel_{issue.id}").click().run()
    assert not at.exception and [s.value for s in at.success] == [f"{issue.number} 已取消。"]
    detail = store.issue_detail(issue.number)
    assert (detail.issue["closed_on"], detail.issue["cancelled"]) == (owner_plant["today"], True)
    assert detail.history[0]["reason"] == "与QR-2026-0007重复" and store.board_frame().empty


def test_stale_save_is_refused_and_keeps_the_second_owners_input(owner_plant):
    issue = owner_plant["issue"]
    root_cause = _steps(issue.number)["root_cause"]
    first, second = _page(owner_plant), _page(owner_plant)       # both loaded version 1
    for at, text in ((first, "张伟：鱼骨图分析中"), (second, "李强：等待供应商回复")):
        at.selectbox(key=f"step_{issue.id}").set_value(root_cause["id"])
        at.radio(key=f"action_{issue.id}").set_value("countermeasure")
        at.text_area(key=f"text_{issue.id}").input(text)
    submit(first, f"step_form_{issue.id}")
    assert [s.value for s in first.success] == [f"已保存 {issue.number}。"]
    submit(second, f"step_form_{issue.id}")
    assert len(second.error) == 1
    message = second.error[0].value
    assert message.startswith(f"{issue.number} 已被张伟于") and "您的更改未保存" in message
    assert second.text_area(key=f"text_{issue.id}").value == "李强：等待供应商回复"
    assert _steps(issue.number)["root_cause"]["countermeasure"] == "张伟：鱼骨图分析中"
    # the second owner reloads and re-applies: now it is saved on top of the first
    next(b for b in second.button if b.key == f"reload_{issue.id}").click().run()
    assert second.text_area(key=f"text_{issue.id}").value == "李强：等待供应商回复"
    submit(second, f"step_form_{issue.id}")
    assert _steps(issue.number)["root_cause"]["countermeasure"] == "李强：等待供应商回复"


def test_upload_evidence_for_a_step_and_refuse_a_renamed_file(owner_plant):
    issue = owner_plant["issue"]
    containment = _steps(issue.number)["containment"]
    at = _page(owner_plant)
    at.radio(key=f"kind_{issue.id}").set_value("evidence")
    at.selectbox(key=f"file_step_{issue.id}").set_value(containment["id"])
    at.get("file_uploader")[0].upload("围堵记录.pdf", demo.report_pdf("containment"), "application/pdf")
    submit(at, f"files_form_{issue.id}")
    assert [s.value for s in at.success] == [f"已保存 {issue.number}。"]
    assert [(a["file_name"], a["step_id"], a["kind"]) for a in store.attachments(issue.id)] == [
        ("围堵记录.pdf", containment["id"], "evidence")]
    assert ("attachment_evidence", "围堵记录.pdf", "张伟") in _history(issue.number)
    assert any(b.label == "佐证材料 · 遏制措施 · 围堵记录.pdf" for b in at.get("download_button"))

    at.get("file_uploader")[0].upload("报告.pdf", b"MZ\x90\x00 renamed program", "application/pdf")
    submit(at, f"files_form_{issue.id}")
    assert [e.value for e in at.error] == [
        "“报告.pdf”不是允许的文件类型(PDF、Word、Excel、PowerPoint、PNG、JPEG)，或内容与扩展名不符。"]
    assert len(store.attachments(issue.id)) == 1


def _colour(at: AppTest, step_id: int) -> str:
    """The colour letter the owner sees for one step in the issue's step list."""
    page = page_html(at)
    return re.search(rf'data-step-id="{step_id}"><td class="qr-step [\w-]+" data-status="(\w+)"', page).group(1)


def test_under_the_start_rule_the_owner_starts_a_step_and_it_turns_yellow(owner_plant):
    issue = owner_plant["issue"]
    corrective_action = _steps(issue.number)["corrective_action"]
    at = _page(owner_plant)
    assert "开始" not in at.radio(key=f"action_{issue.id}").options       # GM: a start changes no colour
    store.configure(actor_id=None, key="colour_rule", value="START")
    at = _page(owner_plant)
    assert _colour(at, corrective_action["id"]) == "R"                 # START: red until started
    at.selectbox(key=f"step_{issue.id}").set_value(corrective_action["id"])
    at.radio(key=f"action_{issue.id}").set_value("start")
    submit(at, f"step_form_{issue.id}")
    assert [s.value for s in at.success] == [f"已保存 {issue.number}。"]
    assert _colour(at, corrective_action["id"]) == "Y"
    assert ("started_on", owner_plant["today"].isoformat(), "张伟") in _history(issue.number)

    at.selectbox(key=f"step_{issue.id}").set_value(corrective_action["id"])
    at.radio(key=f"action_{issue.id}").set_value("start")
    submit(at, f"step_form_{issue.id}")
    assert [e.value for e in at.error] == [f"步骤“纠正措施实施”已于{owner_plant['today'].isoformat()}开始。"]


def test_a_notices_link_opens_that_issues_form_and_signing_in_lands_back_on_it(owner_plant):
    """/update?no=NUMBER: the issue's form alone and open, also for someone who neither owns nor leads it."""
    other = store.create_person(name="主持人2", area_id=owner_plant["area"].id)
    store.create_account(actor_id=None, person_id=other.id, username="chair2", role="facilitator",
                         password="long-enough-1")
    number = owner_plant["issue"].number
    at = app_as(other.id, no=number)
    at.run()
    at.switch_page("app_pages/update.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.label.split(" · ")[1] for e in at.expander] == [number]
    assert at.expander[0].proto.expanded
    assert any(f.key.startswith(f"step_{owner_plant['issue'].id}") for f in at.selectbox if f.key)
    signed_out = app_as(None, no=number)
    signed_out.run()
    signed_out.switch_page("app_pages/update.py")
    signed_out.run()
    form = next(h.proto.body for h in signed_out.get("html") if "/auth/sign-in" in h.proto.body)
    assert f"/update?no={number}" in form                 # the sign-in posts back to the same link

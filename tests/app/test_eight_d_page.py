"""The built-in 8D on the issue page: every section filled through its form, the issue closed with it on the
update page (no file attached), and the PDF export read back with pdftotext."""
import subprocess
from datetime import timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages._shared import TAB_SESSION

from qr import eight_d, store
from tests.conftest import ROOT, plant_moment
from tests.unit.test_eight_d import FULL
from tests.app.driving import page_html


@pytest.fixture
def done_issue(plant, open_issue):
    """An issue opened ten days ago whose five steps are all completed: only its report is missing."""
    st.cache_data.clear()
    today = store.today()
    issue = open_issue(today - timedelta(days=10), template="minor", severity="C")
    version = issue.version
    for step in store.issue_detail(issue.number).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=today,
                            expected_version=version, now=plant_moment(today))
        version += 1
    return issue


def _issue_page(plant, number: str, section: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.session_state[TAB_SESSION] = store.open_session(person_id=plant["owner"].id)
    at.query_params.update({"no": number} | ({"d": section} if section else {}))
    at.run()
    at.switch_page("app_pages/issue.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _fill_section(at: AppTest, issue_id: int, section: str, values: dict) -> None:
    at.radio(key="8d_section").set_value(section).run()
    prefix = f"8d_{issue_id}_{section}"
    for name, value in values.items():
        field = next(f for f in eight_d.SECTIONS[section] if f.name == name)
        if field.kind == "quantity":
            at.number_input(key=f"{prefix}_{name}").set_value(value)
        elif field.kind == "whys":
            for n, why in enumerate(value, start=1):
                at.text_input(key=f"{prefix}_{name}_{n}").input(why)
        else:
            at.text_area(key=f"{prefix}_{name}").input(value)
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:8d_form_{section}-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success][:1] == [f"已保存 {at.query_params['no']} 的 {section}。"]


def test_fill_the_8d_close_with_it_and_export_it(plant, done_issue, tmp_path):
    at = _issue_page(plant, done_issue.number, section="D3")
    assert at.radio(key="8d_section").value == "D3"             # a step's link opens its section
    steps = [h.proto.body for h in at.get("html") if "qr-step-list" in h.proto.body]
    assert steps and "遏制措施" in steps[0]
    for section, values in FULL.items():
        _fill_section(at, done_issue.id, section, values)
    assert [s.value for s in at.success][-1] == "8D报告已完整，可用于关闭。"
    assert {s["code"]: s["completed_on"] is not None for s in store.issue_detail(done_issue.number).steps} == {
        "containment": True, "root_cause": True, "corrective_action": True, "verified": True,
        "lessons_learned": True}

    update = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    update.session_state[TAB_SESSION] = store.open_session(person_id=plant["lead"].id)          # closing is the facilitator's
    update.run()
    update.switch_page("app_pages/update.py").run()
    update.text_input(key=f"close_reason_{done_issue.id}").input("8D完成，客户确认")
    update.text_input(key=f"accepted_by_{done_issue.id}").input("客户SQE")        # a customer's complaint
    update.selectbox(key=f"accepted_how_{done_issue.id}").set_value("signed")
    next(b for b in update.button
         if b.key and b.key.startswith(f"FormSubmitter:close_form_{done_issue.id}-")).click().run()
    assert not update.exception, [e.message for e in update.exception]
    assert [s.value for s in update.success] == [f"{done_issue.number} 已关闭。"]
    assert store.attachments(done_issue.id) == []                  # closed by the built-in report alone

    path = tmp_path / "8d.pdf"
    path.write_bytes(eight_d.report_pdf(store.eight_d_report(done_issue.number), "zh"))   # the download's bytes
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for code in eight_d.SECTIONS:
        assert f"{code} " in text
    for typed in ("张伟(质量)、孙丽(生产)、李强(工艺)", "左前门内饰板卡扣断裂", "气动工具扭矩漂移", "经验教训流程缺失",
                  "加入LPA检查表", "客户确认关闭"):
        assert typed in text, typed
    assert "8D报告已完整" in text


def test_board_step_cells_link_to_their_8d_section(plant, done_issue, open_issue):
    other = open_issue(store.today(), template="minor", severity="C", description="GP12：毛刺")
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.session_state[TAB_SESSION] = store.open_session(person_id=plant["owner"].id)
    at.run()
    html = page_html(at)
    row = html.split(f'data-issue="{other.number}"')[1].split("</tr>")[0]
    assert ('data-status="Y" data-step="corrective_action"' in row
            and f'href="issue?no={other.number}&amp;d=D5"' in row)


def test_a_section_saved_over_someone_elses_later_save_is_refused_then_applied_after_reload(plant, done_issue):
    """The owner's form holds the version the page showed: the lead's save in between makes it stale, nothing of
    it is written, and after a reload the same text is saved."""
    at = _issue_page(plant, done_issue.number, section="D2")
    store.save_eight_d(actor_id=plant["lead"].id, issue_id=done_issue.id, section="D1",
                       values={"team": "质量：孙丽"}, expected_version=store.issue_detail(done_issue.number).issue["version"])
    at.text_area(key=f"8d_{done_issue.id}_D2_what").input("左前门卡扣断裂")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:8d_form_D2-")).click().run()
    assert [e.value for e in at.error][0].startswith(f"{done_issue.number} 已被孙丽于")
    assert "D2" not in store.eight_d_report(done_issue.number)["content"]
    at.button(key=f"reload_{done_issue.id}").click().run()
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:8d_form_D2-")).click().run()
    assert not at.exception and not at.error
    assert store.eight_d_report(done_issue.number)["content"]["D2"]["what"] == "左前门卡扣断裂"

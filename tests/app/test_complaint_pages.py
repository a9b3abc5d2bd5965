"""Customers' complaints on the update page, the issue page and the board (#19): the customer named on a new
complaint, the facilitator's disposition (not valid closes it as such), the customer's acceptance that closes one
(or the wait for it), and the board's marks for a complaint awaiting the customer or found not solved."""
from datetime import timedelta
import html

import pandas as pd
import pytest
import streamlit as st
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import Issue
from qr import complaint_views, db, demo, store, views
from tests.app.driving import submit, update_page
from tests.app.signing import app_as

REASON = "客户装配不当，非我方问题"


@pytest.fixture
def complaint(plant, open_issue):
    """A customer's complaint (the 'complaint' category is of the external kind) opened 10 days ago."""
    st.cache_data.clear()
    today = store.today()
    issue = open_issue(today - timedelta(days=10), next_report_on=today)
    return {**plant, "issue": issue, "today": today}


@pytest.fixture
def customers(plant):
    """The plant's customers; once there is one, every new customer's complaint must name its customer."""
    return {"SGM": store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM", site="金桥"),
            "FAW": store.create_customer(actor_id=None, code="FAW", name_zh="一汽大众", name_en="FAW-VW", site="长春")}


def _page(plant, who: str = "owner", **query: str) -> AppTest:
    return update_page(plant[who].id, **query)


def _forms(at: AppTest) -> set[str]:
    """The forms the page shows, by name less the issue's id."""
    return {b.key.split(":")[1].rsplit("-", 1)[0] for b in at.button if b.key and b.key.startswith("FormSubmitter:")}


def _issue_page(plant, number: str) -> str:
    at = app_as(plant["owner"].id, no=number)
    at.run()
    at.switch_page("app_pages/issue.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return next(h.proto.body for h in at.get("html") if "qr-fields" in h.proto.body)


def _field(table: str, label: str) -> str:
    """The value of one row of the detail table, by its label."""
    return table.split(f"<th>{label}</th>")[1].split("</td>")[0].split(">", 1)[1]


def _finish_the_work(plant, issue) -> None:
    """Every step done and checked, the 8D report attached: nothing left but closing."""
    version = issue.version
    for step in store.issue_detail(issue.number).steps:
        store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=plant["today"],
                            expected_version=version)
        version += 1
    store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", kind="report",
                      content=demo.report_pdf("8D"), expected_version=version)


def test_a_facilitator_judges_a_complaint_not_valid_and_it_closes_as_such(complaint):
    issue = complaint["issue"]
    assert f"disposition_form_{issue.id}" not in _forms(_page(complaint))          # the owner judges nothing
    at = _page(complaint, who="lead")
    assert "判定为“无效”将立即关闭此投诉(无效关闭，不计为已解决)。" in [w.value for w in at.warning]
    at.radio(key=f"disposition_{issue.id}").set_value("invalid")
    at.selectbox(key=f"responsibility_{issue.id}").set_value("customer")
    submit(at, f"disposition_form_{issue.id}")
    assert [e.value for e in at.error] == ["请填写“判定理由”。"]                    # the reason is asked
    at.text_input(key=f"disposition_reason_{issue.id}").input(REASON)
    submit(at, f"disposition_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已判定为无效并关闭。"]
    judged = store.issue_detail(issue.number).issue
    assert (judged["closed_on"], judged["cancelled"], judged["disposition"], judged["responsibility"],
            judged["disposition_reason"]) == (complaint["today"], True, "invalid", "customer", REASON)
    assert store.board_frame().empty

    table = _issue_page(complaint, issue.number)
    assert (_field(table, "状态"), _field(table, "判定"), _field(table, "判定理由")) == ("已取消", "无效 · 客户", REASON)
    closed = views.render_board(store.board_frame(include_recently_closed=True), store.step_columns(), "zh")
    row = closed.split(f'data-issue="{issue.number}"')[1].split("</tr>")[0]
    assert "已取消" in row and 'class="qr-row qr-closed"' in closed

    # the customer comes back with proof: judged valid, the complaint is open again
    at.toggle(key="update_closed").set_value(True).run()
    assert "此投诉已作为无效关闭：判定为“有效”将重新打开。" in [c.value for c in at.caption]
    at.radio(key=f"disposition_{issue.id}").set_value("valid")
    at.selectbox(key=f"responsibility_{issue.id}").set_value("ours")
    at.text_input(key=f"disposition_reason_{issue.id}").input("客户提供了新的失效件")
    submit(at, f"disposition_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已判定为有效。"]
    reopened = store.issue_detail(issue.number).issue
    assert (reopened["closed_on"], reopened["cancelled"], reopened["disposition"]) == (None, False, "valid")


def test_closing_a_complaint_without_the_acceptance_waits_for_it(complaint):
    issue = complaint["issue"]
    _finish_the_work(complaint, issue)
    at = _page(complaint, who="lead")
    assert "客户认可人和方式：留空则关闭后等待客户认可。" in [c.value for c in at.caption]
    at.text_input(key=f"close_reason_{issue.id}").input("全部退出标准达成")
    submit(at, f"close_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已完成，等待客户认可。"]
    waiting = store.issue_detail(issue.number).issue
    assert (waiting["closed_on"], waiting["awaiting_acceptance"]) == (None, True)

    # the panel says so and offers only the acceptance; the board marks the row
    assert at.expander[0].label.endswith(" · 待客户认可")
    assert [i.value for i in at.info] == ["所有步骤已完成，等待客户认可后关闭。"]
    assert f"close_form_{issue.id}" not in _forms(at) and f"acceptance_form_{issue.id}" in _forms(at)
    board = views.render_board(store.board_frame(), store.step_columns(), "zh")
    row = board.split(f'data-issue="{issue.number}"')[1].split("</tr>")[0]
    assert '<span class="qr-awaiting" title="已完成，客户认可后关闭">待客户认可</span> ' in row

    submit(at, f"acceptance_form_{issue.id}")
    assert [e.value for e in at.error] == ["请填写“客户认可人”。"]
    at.text_input(key=f"accepted_by_{issue.id}").input("王经理(SGM SQE)")
    at.selectbox(key=f"accepted_how_{issue.id}").set_value("email")
    submit(at, f"acceptance_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 已记录客户认可并关闭。"]
    accepted = store.issue_detail(issue.number).issue
    assert (accepted["closed_on"], accepted["awaiting_acceptance"], accepted["accepted_on"], accepted["accepted_by"],
            accepted["accepted_how"]) == (complaint["today"], False, complaint["today"], "王经理(SGM SQE)", "email")
    assert store.board_frame().empty
    table = _issue_page(complaint, issue.number)
    assert _field(table, "客户认可") == f"{complaint['today'].isoformat()} · 王经理(SGM SQE) · 邮件"
    assert 'class="qr-awaiting"' not in views.render_board(store.board_frame(include_recently_closed=True),
                                                   store.step_columns(), "zh")


def test_a_customer_who_does_not_accept_sends_the_complaint_back_to_the_close_form(complaint):
    issue = complaint["issue"]
    _finish_the_work(complaint, issue)
    at = _page(complaint, who="lead")
    at.text_input(key=f"close_reason_{issue.id}").input("全部退出标准达成")
    submit(at, f"close_form_{issue.id}")
    assert f"rejection_form_{issue.id}" in _forms(at)
    submit(at, f"rejection_form_{issue.id}")
    assert [e.value for e in at.error] == ["请填写“客户方不认可人”。"]
    assert store.issue_detail(issue.number).issue["awaiting_acceptance"]         # nothing written
    at.text_input(key=f"refused_by_{issue.id}").input("王经理(SGM SQE)")
    at.text_area(key=f"refusal_reason_{issue.id}").input("**现场** 仍有松动 <b>x</b>")
    submit(at, f"rejection_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} 客户不认可，已回到处理中。"]
    assert not store.issue_detail(issue.number).issue["awaiting_acceptance"]
    assert not at.expander[0].label.endswith(" · 待客户认可")
    assert f"close_form_{issue.id}" in _forms(at) and f"rejection_form_{issue.id}" not in _forms(at)
    history = store.issue_detail(issue.number).history
    assert history[0]["reason"] == "王经理(SGM SQE): **现场** 仍有松动 <b>x</b>"       # newest first, kept as typed


def test_closing_with_the_customers_acceptance_closes_at_once(complaint):
    issue = complaint["issue"]
    _finish_the_work(complaint, issue)
    at = _page(complaint, who="lead", lang="en")
    at.text_input(key=f"close_reason_{issue.id}").input("all exit criteria met")
    at.text_input(key=f"accepted_by_{issue.id}").input("Ms Li, SGM SQE")
    at.selectbox(key=f"accepted_how_{issue.id}").set_value("signed")
    submit(at, f"close_form_{issue.id}")
    assert [s.value for s in at.success] == [f"{issue.number} is closed."]
    closed = store.issue_detail(issue.number).issue
    assert (closed["closed_on"], closed["awaiting_acceptance"], closed["accepted_by"], closed["accepted_how"]) == (
        complaint["today"], False, "Ms Li, SGM SQE", "signed")


def _created(description: str) -> Issue:
    with db.read_session() as session:
        return session.exec(select(Issue).where(Issue.description == description)).one()


def test_a_new_complaint_names_its_customer_and_a_supplier_issue_its_supplier(complaint, customers):
    at = _page(complaint)
    assert at.selectbox(key="new_category").value == complaint["categories"]["complaint"].id   # a customer's kind
    customer = at.selectbox(key="new_customer")
    assert (customer.options, customer.value) == (["FAW 一汽大众", "SGM 上汽通用"], None)   # chosen, not defaulted
    at.text_area(key="new_description").input("客户投诉：仪表板异响")
    at.number_input(key="new_defect_quantity").set_value(12)
    submit(at, "new_issue")
    assert [e.value for e in at.error] == ["请填写“客户”。"]                        # the plant keeps customers
    at.selectbox(key="new_customer").set_value(customers["SGM"].id)
    submit(at, "new_issue")
    assert at.success and not at.error
    created = _created("客户投诉：仪表板异响")
    assert (created.customer_id, created.defect_quantity, created.supplier) == (customers["SGM"].id, 12, "")

    at.selectbox(key="new_category").set_value(complaint["categories"]["supplier"].id).run()
    assert not [s for s in at.selectbox if s.key == "new_customer"]
    at.text_area(key="new_description").input("来料：卡扣注塑缺料")
    at.text_input(key="new_supplier").input("宁波华翔")
    at.number_input(key="new_defect_quantity").set_value(30)
    submit(at, "new_issue")
    created = _created("来料：卡扣注塑缺料")
    assert (created.customer_id, created.supplier, created.defect_quantity) == (None, "宁波华翔", 30)

    at.selectbox(key="new_category").set_value(complaint["categories"]["gp12"].id).run()
    asked = {widget.key for widget in [*at.selectbox, *at.text_input, *at.number_input]}
    assert not {"new_customer", "new_supplier", "new_defect_quantity"} & asked           # an internal issue


def test_complaint_details_and_supplier_actions_are_kept_on_the_issue(complaint, customers):
    issue = complaint["issue"]                         # opened before the plant kept customers: none named yet
    at = _page(complaint)
    at.selectbox(key=f"customer_{issue.id}").set_value(customers["FAW"].id)
    at.number_input(key=f"defects_{issue.id}").set_value(5)
    submit(at, f"complaint_form_{issue.id}")
    assert [s.value for s in at.success] == [f"已保存 {issue.number}。"]
    saved = store.issue_detail(issue.number).issue
    assert (saved["customer_id"], saved["defect_quantity"]) == (customers["FAW"].id, 5)
    table = _issue_page(complaint, issue.number)
    assert (_field(table, "客户"), _field(table, "不良数量")) == ("FAW 一汽大众", "5")

    supplier_issue = store.create_issue(
        actor_id=complaint["owner"].id, description="来料：线束端子退针", category_id=complaint["categories"]["supplier"].id,
        area_id=complaint["area"].id, severity="B", owner_id=complaint["owner"].id, lead_id=complaint["lead"].id,
        opened_on=complaint["today"], next_report_on=complaint["today"],
        template_id=complaint["templates"]["standard"].id, supplier="立讯")
    at = _page(complaint)
    assert f"complaint_form_{supplier_issue.id}" in _forms(at)
    assert at.text_input(key=f"supplier_{supplier_issue.id}").value == "立讯"
    at.date_input(key=f"supplier_8d_{supplier_issue.id}").set_value(complaint["today"])
    at.checkbox(key=f"charge_back_{supplier_issue.id}").check()
    submit(at, f"complaint_form_{supplier_issue.id}")
    assert [s.value for s in at.success] == [f"已保存 {supplier_issue.number}。"]
    saved = store.issue_detail(supplier_issue.number).issue
    assert (saved["supplier"], saved["supplier_8d_requested_on"], saved["charge_back"]) == (
        "立讯", complaint["today"], True)


@pytest.mark.parametrize("awaiting, unsolved, marks", [
    (False, False, []),
    (True, False, ['<span class="qr-awaiting" title="Done; closes when the customer accepts">'
                   'awaiting customer</span>']),
    (False, True, ['<span class="qr-unsolved" title="At the follow-up call the customer said it is not solved">'
                   'not solved at follow-up</span>']),
    (True, True, ["qr-awaiting", "qr-unsolved"]),
])
def test_the_boards_marks_stand_before_the_description(complaint, awaiting, unsolved, marks):
    record = {**store.board_frame().iloc[0].to_dict(), "awaiting_acceptance": awaiting, "unsolved_flag": unsolved}
    board = views.render_board(pd.DataFrame([record]), store.step_columns(), "en", projector=True)
    description = board.split('<div class="qr-desc-text">')[1].split("</div>")[0]      # the projector's cell
    assert all(mark in description for mark in marks)
    assert ("qr-awaiting" in description, "qr-unsolved" in description) == (awaiting, unsolved)
    assert description.endswith("</span> 客户投诉：左前门内饰板卡扣断裂" if marks else "客户投诉：左前门内饰板卡扣断裂")
    assert description.startswith("<span" if marks else "客户投诉")                    # the marks come first
    number = complaint["issue"].number                                                   # the interface stays
    assert f'<tr class="qr-row" data-issue="{number}" data-escalation="' in board and 'data-overall="R"' in board


def test_the_detail_escapes_what_people_typed(complaint):
    issue = complaint["issue"]
    shady = store.create_customer(actor_id=None, code="X<b>", name_zh="<script>alert(1)</script>")
    store.set_complaint_details(actor_id=complaint["lead"].id, issue_id=issue.id, customer_id=shady.id,
                                defect_quantity=None, expected_version=issue.version)
    detail = store.issue_detail(issue.number)
    html = views.render_issue_detail(detail.issue, detail.steps, detail.history, "zh")
    assert "<script>alert" not in html and "X&lt;b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert complaint_views.complaint_fields({"customer_code": "", "customer": "", "defect_quantity": float("nan"),
                                             "accepted_on": pd.NaT}, "zh") == []


@pytest.mark.parametrize("lang, shown, tip", [("zh", " · 客户投诉", "<上汽通用> [SGM](x) · 客户投诉"),
                                              ("en", " · Customer complaint", "SAIC & GM · Customer complaint")])
def test_the_board_names_a_complaints_customer_before_its_category(complaint, lang, shown, tip):
    issue = complaint["issue"]
    sgm = store.create_customer(actor_id=None, code="<SGM>", name_zh="<上汽通用> [SGM](x)", name_en="SAIC & GM")
    store.set_complaint_details(actor_id=complaint["lead"].id, issue_id=issue.id, customer_id=sgm.id,
                                defect_quantity=None, expected_version=issue.version)
    for projector in (False, True):
        board = views.render_board(store.board_frame(), store.step_columns(), lang, projector=projector)
        cell = board.split('<td class="qr-cat"')[1].split("</td>")[0]
        assert f'<span class="qr-customer">&lt;SGM&gt;</span>{shown}' in cell           # the code, as text
        assert html.unescape(cell.split('title="')[1].split('"')[0]) == tip                # the name, escaped
        assert "<SGM>" not in cell and "<上汽通用>" not in cell
    other = store.board_frame().iloc[0].to_dict() | {"customer_code": "", "customer": "", "customer_en": ""}
    plain = views.render_board(pd.DataFrame([other]), store.step_columns(), lang)
    assert 'class="qr-customer"' not in plain                                           # an issue of no customer

"""Customer response clocks through the pages: a complaint recorded on the update page with the moment it
arrived, its acknowledgement clock on the board, the response recorded, the late one counted on the board's
counter and in the trends chart. The plant's clock stands still at chosen moments (Monday 2 March 2026)."""
import json
from datetime import date, datetime, time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages._shared import TAB_SESSION

from qr import store
from qr.config import load_settings
from tests.conftest import ROOT
from tests.app.driving import page_html, submit

MONDAY = date(2026, 3, 2)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=load_settings().tz)


@pytest.fixture
def plant_clock(plant, monkeypatch):
    """The moment every store call and page sees as now; a test moves it on by assigning clock['now']."""
    st.cache_data.clear()
    clock = {"now": _at(9, 5)}
    monkeypatch.setattr(store.base, "system_time", lambda: clock["now"])
    return clock


def _app(plant, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.session_state[TAB_SESSION] = store.open_session(person_id=plant["owner"].id)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _record_complaint(plant, description: str, received: time) -> dict:
    at = _app(plant, "app_pages/update.py")
    at.text_area(key="new_description").input(description)
    assert at.selectbox(key="new_category").value == plant["categories"]["complaint"].id   # the first category
    at.time_input(key="new_received_time").set_value(received)
    submit(at, "new_issue")
    frame = store.board_frame(on=MONDAY)
    return frame[frame["description"] == description].iloc[0].to_dict()


def _respond(plant, issue: dict, answered: time, how: str) -> AppTest:
    at = _app(plant, "app_pages/update.py")
    key = issue["id"]
    assert "响应客户" in at.selectbox(key=f"clock_{key}").format_func(at.selectbox(key=f"clock_{key}").value)
    at.time_input(key=f"responded_time_{key}").set_value(answered)
    at.text_input(key=f"response_how_{key}").input(how)
    submit(at, f"response_form_{key}")
    assert [s.value for s in at.success] == [f"已保存 {issue['number']}。"]
    return at


def _board_html(plant) -> str:
    at = _app(plant, "app_pages/tracking_board.py")
    return page_html(at)


def test_acknowledgement_met_and_missed(plant, plant_clock):
    first = _record_complaint(plant, "客户投诉：仪表板异响（A客户）", time(9, 0))
    assert first["received_at"] == _at(9)
    html = _board_html(plant)
    row = html.split(f'data-issue="{first["number"]}"')[1].split("</tr>")[0]
    assert 'data-clock="ack" data-clock-state="running"' in row and "响应 剩1小时55分" in row

    plant_clock["now"] = _at(9, 10)
    second = _record_complaint(plant, "客户投诉：座椅滑轨卡滞（B客户）", time(9, 0))

    plant_clock["now"] = _at(12, 0)
    _respond(plant, first, time(10, 30), "电话告知客户已收到，质量经理跟进")
    _respond(plant, second, time(11, 30), "邮件确认")
    acks = {n: store.issue_detail(n, on=MONDAY).issue["clocks"][0] for n in (first["number"], second["number"])}
    assert {n: (c["code"], c["responded_at"]) for n, c in acks.items()} == {
        first["number"]: ("ack", _at(10, 30)), second["number"]: ("ack", _at(11, 30))}

    html = _board_html(plant)
    first_row = html.split(f'data-issue="{first["number"]}"')[1].split("</tr>")[0]
    second_row = html.split(f'data-issue="{second["number"]}"')[1].split("</tr>")[0]
    assert 'data-clock="ack" data-clock-state="met"' in first_row and "响应 按时 ✓" in first_row
    assert 'data-clock="ack" data-clock-state="missed"' in second_row and "响应 迟30分 ✗" in second_row
    counter = html.split('data-counter="response_late">')[1].split("</span>")[0]
    assert counter.endswith("<b>1</b>")                  # the late acknowledgement; the other clocks run on

    detail = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    detail.session_state[TAB_SESSION] = store.open_session(person_id=plant["owner"].id)
    detail.query_params.update({"no": second["number"]})
    detail.run()
    detail.switch_page("app_pages/issue.py").run()
    table = next(h.proto.body for h in detail.get("html") if "qr-clock-table" in h.proto.body)
    assert '<tr data-clock="ack" data-clock-state="missed">' in table and "邮件确认" in table

    trends_page = _app(plant, "app_pages/trends.py")
    chart = next(c for c in trends_page.get("plotly_chart") if "chart_response_clocks" in c.proto.id)
    spec = json.loads(chart.proto.spec)
    assert {trace["name"]: (trace["x"][-1], trace["y"][-1]) for trace in spec["data"]} == {
        "按时": ("2026-W10", 1), "超时": ("2026-W10", 1), "计时中": ("2026-W10", 4)}   # 2 containment, 2 on site

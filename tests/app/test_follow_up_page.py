"""The follow-up page (回访): a closed complaint is due for its call, recording the call on the page moves
the week's customer follow-up rate on the trends chart from 0 % to 50 %. The plant's clock stands at Thursday
12 March 2026; the two complaints closed on Tuesday 3 March (ISO week 2026-W10)."""
import json
from datetime import date, datetime, time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages._shared import TAB_SESSION

from qr import store
from qr.config import load_settings
from tests.conftest import ROOT, plant_moment

OPENED, CLOSED, TODAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 12)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def closed_complaints(plant, open_issue, monkeypatch):
    """Two customer complaints opened on Monday and closed on Tuesday with a report attached."""
    st.cache_data.clear()
    monkeypatch.setattr(store.base, "system_time", lambda: datetime.combine(TODAY, time(10), tzinfo=load_settings().tz))
    closed = []
    for description in ("客户投诉：仪表板异响", "客户投诉：座椅滑轨卡滞"):
        issue = open_issue(OPENED, template="minor", severity="B", description=description)
        version, now = issue.version, plant_moment(CLOSED)
        for step in store.issue_detail(issue.number, on=CLOSED).steps:
            store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=CLOSED,
                                expected_version=version, now=now)
            version += 1
        store.attach_file(actor_id=plant["owner"].id, issue_id=issue.id, file_name="8D.pdf", content=PDF,
                          kind="report", expected_version=version, now=now)
        store.close_issue(actor_id=plant["lead"].id, issue_id=issue.id, closed_on=CLOSED, reason="验证有效",
                          expected_version=version + 1, now=now, accepted_by="王经理", accepted_how="signed")
        closed.append(issue)
    return closed


def _app(plant, page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(ROOT / "board.py"), default_timeout=60)
    at.session_state[TAB_SESSION] = store.open_session(person_id=plant["owner"].id)
    at.query_params.update({"lang": lang})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _w10_rates(plant) -> dict[str, float | None]:
    at = _app(plant, "app_pages/trends.py")
    chart = next(c for c in at.get("plotly_chart") if "chart_follow_ups" in c.proto.id)
    traces = json.loads(chart.proto.spec)["data"]
    return {trace["name"]: trace["y"][trace["x"].index("2026-W10")] for trace in traces}


def test_a_closed_complaint_is_called_back_and_the_rate_moves(plant, closed_complaints):
    first = closed_complaints[0]
    assert _w10_rates(plant) == {"客户问题回访率(%)": 0.0, "目标100%": 1.0, "其他问题回访率(%)": None,
                                 "目标≥30%": 0.3, "平均满意度(1–5)": None}
    at = _app(plant, "app_pages/follow_up.py")
    table = next(h.proto.body for h in at.get("html") if "qr-follow-ups" in h.proto.body)
    assert f'data-issue="{first.number}" data-state="overdue"' in table          # due Tuesday 10th
    assert "2026-03-10 ⚠ 逾期" in table and "客户或A级问题(必须)" in table
    row = next(r for r in store.follow_ups(on=TODAY) if r["issue_id"] == first.id)
    key = row["id"]
    at.text_input(key=f"contact_{key}").input("王经理(主机厂质量部)")
    at.radio(key=f"satisfaction_{key}").set_value(4)
    at.text_area(key=f"remarks_{key}").input("批量验证后未再发生")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:follow_up_form_{key}-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == [f"已记录 {first.number} 的回访。"]
    done = next(h.proto.body for h in at.get("html") if f'data-follow-up="{key}"' in h.proto.body
                and 'data-state="done"' in h.proto.body)
    assert "王经理(主机厂质量部) · 电话" in done and "2026-03-12" in done
    assert _w10_rates(plant) == {"客户问题回访率(%)": 0.5, "目标100%": 1.0, "其他问题回访率(%)": None,
                                 "目标≥30%": 0.3, "平均满意度(1–5)": 4.0}


def test_a_bad_call_is_refused_in_words_and_keeps_the_input(plant, closed_complaints):
    at = _app(plant, "app_pages/follow_up.py", lang="en")
    row = next(r for r in store.follow_ups(on=TODAY) if r["issue_id"] == closed_complaints[1].id)
    key = row["id"]
    at.text_area(key=f"remarks_{key}").input("no answer")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:follow_up_form_{key}-")).click().run()
    assert [e.value for e in at.error] == ["Please fill in “Contact”."]
    assert at.text_area(key=f"remarks_{key}").value == "no answer"
    assert store.follow_ups(on=TODAY)[0]["done_on"] is None


def test_a_call_scores_speed_solving_and_attitude_and_not_solved_reopens_the_complaint(plant, closed_complaints):
    first = closed_complaints[0]
    at = _app(plant, "app_pages/follow_up.py")
    key = next(r["id"] for r in store.follow_ups(on=TODAY) if r["issue_id"] == first.id)
    at.text_input(key=f"contact_{key}").input("王经理")
    at.radio(key=f"solved_{key}").set_value(False)
    at.radio(key=f"satisfaction_{key}").set_value(2)
    at.radio(key=f"speed_{key}").set_value(4)
    at.radio(key=f"solving_{key}").set_value(1)                  # attitude left empty: as the overall score
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:follow_up_form_{key}-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    done = next(h.proto.body for h in at.get("html") if f'data-follow-up="{key}"' in h.proto.body
                and 'data-state="done"' in h.proto.body)
    assert "2 (响应速度 4, 解决能力 1, 服务态度 2)" in done
    assert store.issue_detail(first.number).issue["closed_on"] is None          # reopened (the default rule)


def test_an_open_complaint_is_called_while_open(plant, open_issue, monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(store.base, "system_time", lambda: datetime.combine(TODAY, time(10), tzinfo=load_settings().tz))
    issue = open_issue(date(2026, 2, 20), description="客户投诉：门把手异响")             # 20 days open
    at = _app(plant, "app_pages/follow_up.py")
    key = f"open_{issue.id}"
    at.text_input(key=f"contact_{key}").input("李工")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:open_call_form_{issue.id}-")).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == [f"已记录 {issue.number} 的回访。"]
    assert store.open_calls_due(on=TODAY) == []
    call = next(r for r in store.follow_ups(on=TODAY) if r["issue_id"] == issue.id)
    assert (call["while_open"], call["satisfaction"], call["speed"]) == (True, 5, 5)

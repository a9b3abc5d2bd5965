"""The trends page through AppTest: both languages, a chart's numbers against the March fixture, and a
write through the store showing on the next render."""
import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from tests.app.signing import app_as
from tests.conftest import statements_run
from tests.trends_fixture import d


@pytest.fixture
def fresh_caches():
    st.cache_data.clear()


def _page(lang: str, person_id: int) -> AppTest:
    at = app_as(person_id, lang=lang)
    at.run()
    at.switch_page("app_pages/trends.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _chart(at: AppTest, key: str) -> dict:
    """The figure of one chart as the browser gets it: trace name → y values."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return {trace["name"]: trace["y"] for trace in json.loads(chart.proto.spec)["data"]}


@pytest.mark.parametrize("lang, title, opened, backlog, no_meetings", [
    ("zh", "趋势与KPI", "新增", "周末未关闭", "尚无会议记录，暂无与会率。"),
    ("en", "Trends and KPIs", "Opened", "Open at week's end", "No meetings recorded yet, so no attendance rate."),
])
def test_march_in_both_languages(march_plant, fresh_caches, lang, title, opened, backlog, no_meetings):
    at = _page(lang, march_plant.plant["owner"].id)
    at.date_input(key="t_range").set_value((d(3, 2), d(3, 29))).run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(title in m.value for m in at.markdown)
    figure = _chart(at, "chart_opened_closed")
    assert figure[opened] == [3, 3, 2, 2]                     # W10–W13, as counted in tests/unit/test_trends.py
    assert figure[backlog] == [4, 7, 8, 9]
    assert len(at.get("plotly_chart")) == 13                  # every KPI but attendance and the escalated list
    assert [i.value for i in at.info] == [no_meetings]
    assert "W13" in next(b for b in at.get("download_button") if b.proto.id.endswith("-pack")).proto.label


def test_a_new_issue_shows_on_the_next_render(march_plant, fresh_caches, open_issue):
    at = _page("en", march_plant.plant["owner"].id)
    before = _chart(at, "chart_opened_closed")
    open_issue(store.today(), description="新问题：门把手划伤")
    at.run()
    after = _chart(at, "chart_opened_closed")
    assert after["Opened"][-1] == before["Opened"][-1] + 1
    assert after["Open at week's end"][-1] == before["Open at week's end"][-1] + 1


def test_escalated_issues_link_to_their_detail(march_plant, fresh_caches):
    at = _page("en", march_plant.plant["owner"].id)
    at.date_input(key="t_range").set_value((d(3, 2), d(3, 29))).run()
    table = next(frame for frame in at.dataframe if "Escalated to" in frame.value.columns)
    assert table.value["No."].tolist()[0] == f"issue?no={march_plant.numbers['I1']}&lang=en"
    assert table.value["Days red"].tolist() == [72, 10, 9, 8, 6, 5]


def test_a_plant_without_issues_shows_empty_charts(plant, fresh_caches):
    at = _page("zh", plant["owner"].id)
    assert _chart(at, "chart_opened_closed")["新增"] == [0] * 12
    assert [i.value for i in at.info] == ["尚无会议记录，暂无与会率。", "没有已升级的问题。"]


def test_a_meeting_signed_in_shows_its_attendance_rate(plant, fresh_caches):
    """Five of the area's seven people sign in to today's meeting: this week's rate reads 71.4 %."""
    for n in range(5):
        store.create_person(name=f"员工{n}", area_id=plant["area"].id)
    meeting = store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id)
    sheet = store.sign_in_sheet(meeting.id)
    assert len(sheet) == 7
    store.sign_in(actor_id=plant["lead"].id, meeting_id=meeting.id, expected_version=meeting.version,
                  statuses={line["id"]: "present" if n < 4 else "late" if n == 4 else "absent"
                            for n, line in enumerate(sheet)})
    at = _page("en", plant["owner"].id)
    assert [i.value for i in at.info] == ["No escalated issues."]
    (rates,) = _chart(at, "chart_attendance").values()
    assert rates[-1] == pytest.approx(0.714, abs=0.001) and all(r is None for r in rates[:-1])


def test_update_compliance_per_week_and_owner(plant, fresh_caches):
    """Two meetings this week; between them 张伟 updated one of his two board issues: 50 % this week."""
    from datetime import timedelta

    from tests.conftest import plant_moment
    today = store.today()
    first = today - timedelta(days=2)
    issues = [store.create_issue(actor_id=plant["lead"].id, description=f"问题{n}", severity="A",
                                 category_id=plant["categories"]["complaint"].id, area_id=plant["area"].id,
                                 owner_id=plant["owner"].id, lead_id=plant["lead"].id, opened_on=first - timedelta(days=3),
                                 next_report_on=today, template_id=plant["templates"]["standard"].id,
                                 now=plant_moment(first - timedelta(days=3))) for n in range(2)]
    store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=plant_moment(first, 8))
    step = store.issue_detail(issues[0].number).steps[0]
    store.set_countermeasure(actor_id=plant["owner"].id, step_id=step["id"], countermeasure="每日跟进",
                             expected_version=issues[0].version, now=plant_moment(first, 15))
    store.start_meeting(actor_id=plant["lead"].id, area_id=plant["area"].id, now=plant_moment(today, 8))
    at = _page("en", plant["owner"].id)
    owners = next(df.value for df in at.dataframe if "Owner" in df.value.columns and "Compliance %" in df.value.columns).to_dict("records")
    assert owners == [{"Owner": "Zhang Wei", "Issues due an update": 2, "Updated": 1, "Compliance %": "50%"}]
    weeks = next(df.value for df in at.dataframe if "Week" in df.value.columns and "Compliance %" in df.value.columns)
    assert weeks["Compliance %"].iloc[-1] == "50%" and weeks["Issues due an update"].iloc[-1] == 2


def _reads_trend_frames(statements: list[str]) -> bool:
    """Whether the steps frame or a database sum of steps was read (qr/store/trend_frames.py)."""
    return any("issuestep" in s and ("FROM issuestep" in s or "spans" in s) for s in statements)


def test_the_kpis_outlive_a_countermeasure_but_not_a_completion(march_plant, fresh_caches, engine):
    """A countermeasure typed between meetings changes no KPI: the next render reads no trends frame again (a plant
    group's take seconds); a step completed does, and shows."""
    at = _page("en", march_plant.plant["owner"].id)
    number = march_plant.numbers["I7"]
    root_cause = next(s for s in store.issue_detail(number).steps if s["code"] == "root_cause")
    assert not _reads_trend_frames(statements_run(engine, at.run)[0])                   # nothing written: all cached
    store.set_countermeasure(actor_id=march_plant.plant["owner"].id, step_id=root_cause["id"],
                             countermeasure="5个为什么已完成，待验证", expected_version=march_plant._version("I7"))
    assert not _reads_trend_frames(statements_run(engine, at.run)[0])
    assert not at.exception
    before = _chart(at, "chart_on_time_by_week")
    march_plant.complete("I7", store.today(), "root_cause")
    assert _reads_trend_frames(statements_run(engine, at.run)[0])
    assert _chart(at, "chart_on_time_by_week") != before


def test_a_rate_with_nothing_to_divide_reads_as_a_dash(march_plant, fresh_caches):
    """Weeks with no step due, no meeting or nothing closed have no rate: every table holding such a gap says "—"
    there (Streamlit's own grey "None" in a rate column reads like zero)."""
    at = _page("zh", march_plant.plant["owner"].id)
    gaps = [table for table in at.dataframe if table.value.select_dtypes("number").isna().any().any()]
    assert len(gaps) >= 3
    assert [table.proto.placeholder for table in gaps] == ["—"] * len(gaps)

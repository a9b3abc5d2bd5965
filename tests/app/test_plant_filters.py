"""Plants on the pages through AppTest: with one plant no plant picker anywhere; with two, ?plant=CODE narrows the
board's rows and the area choices, the picker writes the URL, and the trends page compares the plants side by side
with the numbers of tests/unit/test_trends.py."""
import json
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from tests.app.signing import app_as
from tests.trends_fixture import d
from tests.app.driving import page_html


@pytest.fixture
def fresh_caches():
    st.cache_data.clear()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _page(person_id: int, page: str | None = None, **query: str) -> AppTest:
    at = _ok(app_as(person_id, **query).run())
    if page:
        at.switch_page(page)
        _ok(at.run())
    return at


def _board_numbers(at: AppTest) -> set[str]:
    return set(re.findall(r'data-issue="([^"]+)"', page_html(at)))


@pytest.fixture
def north(march_plant, fresh_caches):
    """WELD in a second plant, NORTH (<i>北</i>厂: a name is shown as text, never as markup)."""
    plant = store.create_plant(code="NORTH", name_zh="<i>北</i>厂", name_en="North plant")
    store.update_area(actor_id=None, area_id=march_plant.weld.id, name_zh="焊装车间", name_en="Body welding",
                      plant_id=plant.id)
    return plant


def test_one_plant_shows_no_plant_picker(march_plant, fresh_caches):
    owner = march_plant.plant["owner"].id
    for page in (None, "app_pages/trends.py", "app_pages/meeting.py"):
        at = _page(owner, page, lang="en")
        assert all(s.label != "Plant" for s in at.selectbox)
        assert not any(t.label == "Compare plants" for t in at.toggle)


def test_the_board_filters_by_plant_from_the_url_and_the_picker(march_plant, north):
    owner = march_plant.plant["owner"].id
    board = store.board_frame()
    weld_open = set(board.loc[board["area_id"] == march_plant.weld.id, "number"])
    assert weld_open and weld_open != set(board["number"])
    at = _page(owner, lang="en", plant="NORTH")
    assert at.selectbox(key="f_plant").value == north.id
    assert _board_numbers(at) == weld_open
    assert at.selectbox(key="f_area").options == ["All", "Body welding"]       # the plant's areas only
    at = _ok(at.selectbox(key="f_plant").select_index(0).run())
    assert "plant" not in at.query_params
    assert _board_numbers(at) > weld_open
    at = _ok(at.selectbox(key="f_plant").select_index(2).run())                # PLANT, the default plant
    assert at.query_params["plant"] == "PLANT"
    assert not _board_numbers(at) & weld_open
    assert at.selectbox(key="f_area").options == ["All", "Final assembly"]


def test_the_trends_page_filters_by_plant_and_compares_plants(march_plant, north):
    at = _page(march_plant.plant["owner"].id, "app_pages/trends.py", lang="en", plant="NORTH")
    at.date_input(key="t_range").set_value((d(3, 2), d(3, 29))).run()
    chart = next(c for c in at.get("plotly_chart") if "chart_opened_closed" in c.proto.id)
    figure = {trace["name"]: trace["y"] for trace in json.loads(chart.proto.spec)["data"]}
    assert figure["Opened"] == [1, 2, 0, 1] and figure["Open at week's end"] == [2, 4, 3, 3]   # WELD's weeks
    at = _ok(at.toggle(key="t_compare").set_value(True).run())
    assert at.query_params["compare"] == "plants"
    table = at.dataframe[0].value
    assert table.to_dict("records") == [
        {"Name": "North plant", "Opened": 4, "Closed": 2, "Open": 3, "Overdue (red)": 2, "Steps completed": 15,
         "On time": 13, "Rate (%)": 86.7},
        {"Name": "Plant", "Opened": 6, "Closed": 2, "Open": 6, "Overdue (red)": 4, "Steps completed": 10,
         "On time": 7, "Rate (%)": 70.0}]
    assert len(at.get("plotly_chart")) == 2


def test_the_comparison_in_chinese_shows_names_as_text(march_plant, north):
    at = _page(march_plant.plant["owner"].id, "app_pages/trends.py", compare="plants")
    at.date_input(key="t_range").set_value((d(3, 2), d(3, 29))).run()
    assert list(at.dataframe[0].value["名称"]) == ["<i>北</i>厂", "本厂"]

"""Every page runs in Chinese and English through AppTest, on the demo plant, without an exception."""
import io
import re
import subprocess

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from qr.board import BoardFilter
from qr.i18n import t
from tests.app.signing import app_as
from tests.app.driving import board_payloads, page_html


@pytest.fixture
def demo_plant(demo_copy, monkeypatch):
    """The demo plant in a fresh database, in demo mode (its accounts open) with its board open to all; page caches
    cleared so no other test's board leaks in."""
    monkeypatch.setenv("QR_PUBLIC_BOARD", "1")
    demo_copy(demo_mode=True)
    st.cache_data.clear()
    st.cache_resource.clear()
    return store.board_frame()


def _run(query: dict[str, str], page: str | None = None, person_id: int | None = None) -> AppTest:
    at = app_as(person_id, **query)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("lang, heading, open_word", [("zh", "问题描述", "未关闭"), ("en", "Description", "Open")])
def test_board_shows_every_open_issue_in_both_languages(demo_plant, lang, heading, open_word):
    at = _run({"lang": lang})
    html = page_html(at)
    assert '<table class="qr-board">' in html
    rows = re.findall(r'<tr class="qr-row" data-issue="([^"]+)"', html)
    assert sorted(rows) == sorted(demo_plant["number"])
    assert f"<th>{heading}</th>" in html and f">{open_word}</td>" in html
    assert at.toggle(key="lang_switch").value == (lang == "en")


def test_board_lists_red_issues_first(demo_plant):
    html = page_html(_run({}))
    overall = re.findall(r'data-overall="([GYR])"', html)
    assert overall == sorted(overall, key="RYG".index)
    assert overall.count("R") == (demo_plant["overall"] == "R").sum()


def test_projector_mode_uses_the_large_layout(demo_plant):
    at = _run({"view": "projector"})
    html = page_html(at)
    assert '<table class="qr-board qr-projector">' in html
    assert "[data-testid='stSidebar']" in html          # chrome hidden
    assert at.toggle(key="projector").value is True


def test_the_projector_leaves_countermeasures_out_of_its_tooltips(demo_plant):
    """Sent to every screen at every refresh, countermeasures were most of the board's weight; the desk board keeps
    them in the step's tooltip."""
    with_text = [(number, steps) for number, steps in zip(demo_plant["number"], demo_plant["steps"])
                 if any(step and step["countermeasure"] for step in steps.values())]
    assert with_text
    label = t("step.countermeasure", "zh")
    assert f"{label}: " in page_html(_run({}))
    assert f"{label}: " not in page_html(_run({"view": "projector"}))


def test_screens_showing_the_same_view_share_one_render(demo_plant, monkeypatch):
    """Three projectors on the same view, in the same minute, draw the board once and are sent the same gzipped
    bytes; another view draws its own."""
    from qr import views
    moment = store.now()
    monkeypatch.setattr(store.base, "system_time", lambda: moment)
    drawn = []
    real = views.render_board
    monkeypatch.setattr(views, "render_board", lambda *args, **kwargs: drawn.append(1) or real(*args, **kwargs))
    runs = [_run({"view": "projector"}) for _ in range(3)]
    screens = [page_html(at) for at in runs]
    assert len(drawn) == 1 and screens[0] == screens[1] == screens[2]
    payloads = [board_payloads(at) for at in runs]
    assert len(payloads[0]) == 1 and payloads[0] == payloads[1] == payloads[2]   # gzipped alike: no new message
    assert len(payloads[0][0]) < len(screens[0].encode()) / 5
    _run({"view": "projector", "lang": "en"})
    assert len(drawn) == 2


def test_filters_narrow_the_board(demo_plant):
    at = _run({})
    red = demo_plant[demo_plant["overall"] == "R"]
    at.selectbox(key="f_overall").set_value("R").run()
    rows = re.findall(r'data-issue="([^"]+)"', page_html(at))
    assert sorted(rows) == sorted(red["number"]) and rows


def test_switching_language_keeps_it_in_the_url(demo_plant):
    at = _run({})
    at.toggle(key="lang_switch").set_value(True).run()
    assert "<th>Description</th>" in page_html(at)
    assert at.query_params["lang"] == "en"
    at.toggle(key="lang_switch").set_value(False).run()                 # and back to Chinese
    assert "<th>问题描述</th>" in page_html(at) and at.query_params["lang"] == "zh"


@pytest.mark.parametrize("lang, steps_title, history_title", [("zh", "退出标准(步骤)", "变更记录"),
                                                              ("en", "Exit criteria (steps)", "History")])
def test_issue_detail_shows_fields_steps_and_history(demo_plant, lang, steps_title, history_title):
    number = demo_plant.iloc[0]["number"]
    at = _run({"lang": lang, "no": number}, page="app_pages/issue.py")
    html = page_html(at)
    assert f'data-issue="{number}"' in html
    assert steps_title in html and history_title in html
    detail = store.issue_detail(number)
    assert html.count('<tr data-step-id=') == len(detail.steps)
    assert at.selectbox[0].value == number


def test_export_button_on_the_board_but_not_on_the_projector(demo_plant):
    at = _run({})
    assert [b.proto.label for b in at.get("download_button")] == ["导出Excel", "打印版PDF(A3)"]
    assert at.toggle(key="export_closed").label == "导出包括所有已关闭和已取消的问题"
    assert _run({"view": "projector"}).get("download_button") == []


def test_the_closed_too_download_holds_every_issue(demo_plant):
    from app_pages import _shared
    book = openpyxl.load_workbook(io.BytesIO(_shared.board_workbook("zh", False, BoardFilter(), everything=True)))
    header, *rows = book.active.iter_rows(min_row=2, values_only=True)
    statuses = [row[header.index("状态")] for row in rows]
    assert len(statuses) == store.issue_count() and {"未关闭", "已关闭"} <= set(statuses)


def test_the_printed_board_download_holds_the_rows_on_screen(demo_plant, tmp_path):
    from app_pages import _shared
    red = BoardFilter(overall="R")
    path = tmp_path / "board.pdf"
    path.write_bytes(_shared.board_print("en", False, red))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    red_numbers = demo_plant[demo_plant["overall"] == "R"]["number"]
    assert sorted(set(re.findall(r"QR-\d{4}-\d{4}", text))) == sorted(red_numbers) and len(red_numbers)
    assert "Scan a row's code with a phone to open that issue's update form" in text


@pytest.mark.parametrize("lang, title, required", [("zh", "回访", "客户或A级问题(必须)"),
                                                   ("en", "Follow-up calls", "Customer or severity-A issue (required)")])
def test_follow_up_page_lists_the_calls_in_both_languages(demo_plant, lang, title, required):
    at = _run({"lang": lang}, page="app_pages/follow_up.py",
              person_id=store.signed_in_by_email("viewer@qr-demo.local").person_id)
    assert any(title in m.value for m in at.markdown)
    html = page_html(at)
    listed = [r for r in store.follow_ups() if r["done_on"] or r["required"] or r["proposed"]]
    assert listed and html.count("<tr data-follow-up=") == len(listed)
    assert required in html


@pytest.mark.parametrize("lang, section, missing", [
    ("zh", "D3 临时遏制措施", "本章节尚缺：发生原因：5个为什么、发生根本原因"),
    ("en", "D3 Containment", "Still missing in this section: Occurrence: 5 why, Occurrence root cause")])
def test_todays_complaint_shows_its_clocks_and_its_8d_in_both_languages(demo_plant, lang, section, missing):
    number = next(n for n, description in store.issue_numbers() if "颜色偏差" in description)
    owner = store.issue_detail(number).issue["owner_id"]
    at = _run({"lang": lang, "no": number, "d": "D3"}, page="app_pages/issue.py", person_id=owner)
    html = page_html(at)
    assert '<tr data-clock="ack" data-clock-state="running">' in html
    radio = at.radio(key="8d_section")
    assert radio.value == "D3" and radio.format_func("D3") == section
    assert at.number_input(key=f"8d_{store.issue_detail(number).issue['id']}_D3_checked_plant").value == 240
    assert not any(c.value.startswith(missing[:6]) for c in at.caption)   # D3 is filled in the demo, D4 not yet
    radio.set_value("D4").run()
    assert any(c.value.startswith(missing) for c in at.caption)


def test_the_board_asks_to_sign_in_unless_the_site_opens_it(demo_plant, monkeypatch):
    monkeypatch.setenv("QR_PUBLIC_BOARD", "0")
    at = _run({"lang": "en"})
    assert t("login.needed", "en") in [i.value for i in at.info]
    assert '<table class="qr-board">' not in page_html(at)
    viewer = store.signed_in_by_email("viewer@qr-demo.local")
    assert '<table class="qr-board">' in page_html(_run({"lang": "en"}, person_id=viewer.person_id))


def test_the_filter_button_names_the_chosen_filters_as_text(demo_plant):
    """The 筛选 button says what the board is narrowed to; an area named like a Markdown link reads as typed (its
    label renders Markdown), in both languages."""
    area = store.create_area(code="MDX", name_zh="[点我](http://evil.example) **粗**", name_en="=1+1 [x](y)")
    at = _run({})
    (button,) = at.get("popover")
    assert button.proto.popover.label == "筛选"
    at.selectbox(key="f_area").set_value(area.id).run()
    at.selectbox(key="f_overall").set_value("R").run()
    assert at.get("popover")[0].proto.popover.label == \
        "筛选: \\[点我\\](http\\:\u2060//evil.example) \\*\\*粗\\*\\* · R 逾期/受阻"
    english = _run({"lang": "en"})
    english.selectbox(key="f_area").set_value(area.id).run()
    assert english.get("popover")[0].proto.popover.label == "Filter: =1+1 \\[x\\](y)"

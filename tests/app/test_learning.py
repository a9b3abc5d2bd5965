"""Learning across issues through AppTest: the owner judges proposed repeats and keeps the read-across checklist on
the update page; the lessons library lists, filters and exports what closed issues taught."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import excel, store
from qr.i18n import t
from tests.app.signing import app_as
from tests.conftest import plant_moment
from tests.app.driving import page_html


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _update_page(person_id: int, number: str, lang: str = "zh") -> AppTest:
    at = app_as(person_id, lang=lang, no=number)
    at.run()
    at.switch_page("app_pages/update.py")
    return _ok(at.run())


def _press(at: AppTest, form: str, label: str) -> AppTest:
    button = next(b for b in at.button if b.key == f"FormSubmitter:{form}-{label}")
    return _ok(button.click().run())


@pytest.fixture
def two_alike(plant):
    """A past weld issue and this week's one on the same part, both owned by 张伟."""
    st.cache_data.clear()
    today = store.today()
    def open_issue(description: str, opened_on):
        return store.create_issue(actor_id=plant["owner"].id, description=description,
                                  category_id=plant["categories"]["complaint"].id, area_id=plant["area"].id,
                                  severity="A", owner_id=plant["owner"].id, lead_id=plant["lead"].id,
                                  opened_on=opened_on, next_report_on=today,
                                  template_id=plant["templates"]["standard"].id, part_number="5401-0317",
                                  now=plant_moment(opened_on))
    past = open_issue("后保险杠支架焊点虚焊，客户检出3件", today - timedelta(days=30))
    new = open_issue("后保险杠支架焊点脱焊，客户线上发现2件", today)
    return {**plant, "past": past, "new": new, "today": today}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_owner_links_a_proposed_repeat_and_the_board_marks_it(two_alike, lang):
    new, past = two_alike["new"], two_alike["past"]
    at = _update_page(two_alike["owner"].id, new.number, lang)
    assert t("repeat.proposed", lang) in [w.value for w in at.warning]
    assert re.findall(r'data-proposal="([^"]+)"', page_html(at)) == [past.number]
    assert at.selectbox(key=f"repeat_of_{new.id}").value == past.number
    _press(at, f"repeat_form_{new.id}", t("repeat.link", lang))
    assert [s.value for s in at.success] == [t("repeat.linked", lang, number=new.number, repeat_of=past.number)]
    assert store.board_frame().set_index("number").loc[new.number, "repeat_of"] == past.number
    assert t("repeat.proposed", lang) not in [w.value for w in at.warning]      # judged: no longer proposed
    board = app_as(two_alike["owner"].id, lang=lang)
    board.run()
    assert f'<span class="qr-repeat" data-repeat-of="{past.number}"' in page_html(_ok(board))


def test_creating_an_issue_like_a_past_one_says_so(two_alike):
    at = app_as(two_alike["owner"].id)
    at.run()
    at.switch_page("app_pages/update.py")
    _ok(at.run())
    at.text_area(key="new_description").input("后保险杠支架焊点脱焊，客户检出")
    at.text_input(key="new_part").input("1111-2222")
    _ok(at.button(key="FormSubmitter:new_issue-创建问题").click().run())
    (message,) = [s.value for s in at.success]
    assert message == t("update.created_similar", "zh", number="QR-2026-0003", count=2)
    created = int(store.board_frame().set_index("number").loc["QR-2026-0003", "id"])
    assert [p["number"] for p in store.similar_issues(created)] == [two_alike["new"].number, two_alike["past"].number]


def test_a_long_list_looks_for_similar_past_issues_when_asked(two_alike):
    for n in range(10):
        store.create_issue(actor_id=None, description=f"漆面划伤 {n}", category_id=two_alike["categories"]["gp12"].id,
                           area_id=two_alike["area"].id, severity="B", owner_id=two_alike["owner"].id,
                           lead_id=two_alike["lead"].id, opened_on=two_alike["today"],
                           next_report_on=two_alike["today"], template_id=two_alike["templates"]["minor"].id)
    new = two_alike["new"]
    at = app_as(two_alike["owner"].id)
    at.run()
    at.switch_page("app_pages/update.py")
    _ok(at.run())
    assert "data-proposal=" not in page_html(at)
    _ok(at.button(key=f"look_{new.id}").click().run())
    assert re.findall(r'data-proposal="([^"]+)"', page_html(at)) == [two_alike["past"].number]
    _press(at, f"repeat_form_{new.id}", t("repeat.link", "zh"))
    assert store.board_frame().set_index("number").loc[new.number, "repeat_of"] == two_alike["past"].number


def test_the_owner_dismisses_the_proposals_and_they_stay_away(two_alike):
    new = two_alike["new"]
    at = _update_page(two_alike["owner"].id, new.number)
    _press(at, f"repeat_form_{new.id}", t("repeat.dismiss", "zh"))
    assert [s.value for s in at.success] == [t("repeat.dismissed", "zh", number=new.number)]
    assert "data-proposal=" not in page_html(at)
    row = store.board_frame().set_index("number").loc[new.number]
    assert row["repeat_checked"] and row["repeat_of"] == ""


def test_the_read_across_checklist_adds_and_checks_off_targets(two_alike):
    new = two_alike["new"]
    at = _update_page(two_alike["owner"].id, new.number)
    assert t("readacross.none", "zh") in page_html(at)
    at.selectbox(key=f"ra_kind_{new.id}").set_value("line")
    at.text_input(key=f"ra_target_{new.id}").input("焊装B线 R11工位")
    _press(at, f"read_across_add_{new.id}", t("readacross.add", "zh"))
    assert [s.value for s in at.success] == [t("readacross.added", "zh", number=new.number)]
    (target,) = store.read_across_targets(new.id)
    assert (target["kind"], target["target"], target["state"]) == ("line", "焊装B线 R11工位", "open")
    assert f'data-target="{target["id"]}" data-state="open"' in page_html(at)
    _press(at, f"read_across_settle_{new.id}", t("readacross.settle", "zh"))     # no evidence: refused
    assert [e.value for e in at.error] == ["请填写“佐证材料”。"]
    assert store.read_across_targets(new.id)[0]["state"] == "open"
    at.text_input(key=f"ra_evidence_{new.id}").input("PLC互锁已上线")
    _press(at, f"read_across_settle_{new.id}", t("readacross.settle", "zh"))
    assert [(x["state"], x["evidence"]) for x in store.read_across_targets(new.id)] == [("done", "PLC互锁已上线")]
    assert "1/1 已完成或不适用" in page_html(at)


def test_a_proposed_target_is_added_as_proposed(two_alike):
    new = two_alike["new"]
    store.create_issue(actor_id=None, description="漆面划伤", category_id=two_alike["categories"]["gp12"].id,
                       area_id=two_alike["area"].id, severity="B", owner_id=two_alike["owner"].id,
                       lead_id=two_alike["lead"].id, opened_on=two_alike["today"], next_report_on=two_alike["today"],
                       template_id=two_alike["templates"]["standard"].id, part_number="5401-0999")
    at = _update_page(two_alike["owner"].id, new.number)
    proposal = at.selectbox(key=f"ra_proposal_{new.id}")
    assert proposal.options == [t("readacross.proposal.own", "zh"), "相似零件号 · 5401-0999 · 同零件族"]
    proposal.set_value(0)
    _press(at, f"read_across_add_{new.id}", t("readacross.add", "zh"))
    assert [(x["kind"], x["target"]) for x in store.read_across_targets(new.id)] == [("part", "5401-0999")]


@pytest.fixture
def demo_library(demo_copy, monkeypatch):
    monkeypatch.setenv("QR_PUBLIC_BOARD", "1")
    demo_copy(demo_mode=True)
    st.cache_data.clear()
    return store.lessons()


def _lessons_page(lang: str = "zh") -> AppTest:
    at = app_as(None, lang=lang)
    at.run()
    at.switch_page("app_pages/lessons.py")
    return _ok(at.run())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_library_lists_every_lesson_with_its_links(demo_library, lang):
    at = _lessons_page(lang)
    html = page_html(at)
    assert sorted(re.findall(r'data-lesson="([^"]+)"', html)) == sorted(demo_library["number"])
    weld = demo_library[demo_library["targets"] > 0].iloc[0]
    assert f'href="issue?no={weld["number"]}&amp;d=D8' in html
    assert t("readacross.progress", lang, settled=3, total=3) in html
    assert [c.value for c in at.caption if c.value.startswith(("共", str(len(demo_library))))] == [
        t("lessons.count", lang, count=len(demo_library))]


def test_the_library_filters_by_words_and_part(demo_library):
    at = _lessons_page()
    at.text_input(key="lessons_text").input("电极帽").run()
    assert re.findall(r'data-lesson="([^"]+)"', page_html(_ok(at))) == demo_library[
        demo_library["root_cause"].str.contains("电极帽")]["number"].tolist()
    at.text_input(key="lessons_text").input("没有这样的词").run()
    assert [i.value for i in at.info] == [t("lessons.none", "zh")]
    at.text_input(key="lessons_text").input("").run()
    at.text_input(key="lessons_part").input("5401").run()
    shown = re.findall(r'data-lesson="([^"]+)"', page_html(_ok(at)))
    assert shown and set(shown) == set(demo_library[demo_library["part_number"].str.startswith("5401")]["number"])


def test_the_library_export_is_a_real_workbook_with_text_kept_as_text(demo_library):
    frame = demo_library.copy()
    frame.loc[frame.index[0], "problem"] = "=HYPERLINK(\"http://x\")"
    workbook = openpyxl.load_workbook(io.BytesIO(excel.export_lessons(frame, "en", on=store.today())))
    sheet = workbook.active
    assert [c.value for c in sheet[2]][:3] == ["Issue", "Closed", "Part number"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(frame) and rows[0][6] == "=HYPERLINK(\"http://x\")"
    assert sheet.cell(row=3, column=7).data_type == "s"

"""The Excel import page: upload, preview with cell errors, confirm — through AppTest on a real workbook."""
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import store
from tests.app.signing import app_as
from tests.unit.test_import import _workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(plant, lang: str = "zh") -> AppTest:
    """Importing creates people, areas and categories: an administrator's work (the owner is made one)."""
    st.cache_data.clear()
    store.set_role(actor_id=None, person_id=plant["owner"].id, role="admin")
    at = app_as(plant["owner"].id, lang=lang)
    at.run()
    at.switch_page("app_pages/excel.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_preview_then_confirm_imports_the_sheet(plant):
    at = _page(plant)
    rows = [["问题描述", "开启日期", "责任人", "遏制措施"], ["导入页面测试", "2026-03-02", "新同事", "G"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["将新建1个、更新0个、保持0个问题。"]
    assert store.issue_count() == 0                                   # the preview wrote nothing
    at.button(key="import_confirm").click().run()
    assert [s.value for s in at.success] == ["已导入：新建1个，更新0个。"]
    number = store.board_frame()["number"].iloc[0]
    detail = store.issue_detail(number)
    assert detail.issue["owner"] == "新同事" and detail.steps[0]["state"] == "done"
    assert detail.history[-1]["field"] == "imported" and detail.history[-1]["actor"] == "张伟"


def test_cell_errors_are_listed_and_nothing_is_imported(plant):
    at = _page(plant, "en")
    rows = [["Description", "Open date", "Owner"], ["bad date", "2026-02-30", "张伟"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    assert [e.value for e in at.error] == ["1 cells need correcting; nothing was imported."]
    table = at.table[0].value
    assert list(table.iloc[0]) == ["B2", "“2026-02-30” is not a date I can read."]
    assert not [b for b in at.button if b.key == "import_confirm"]
    assert store.issue_count() == 0


def test_only_administrators_import(plant):
    at = app_as(plant["lead"].id, lang="en")
    at.run()
    at.switch_page("app_pages/excel.py").run()
    assert [w.value for w in at.warning] == ["An import creates people, areas and categories: only administrators import."]
    assert not at.get("file_uploader")

"""The Excel import page: upload, preview with cell errors, confirm — through AppTest on a real workbook."""
import streamlit as st
from streamlit.testing.v1 import AppTest

from qr import sheet_import, store
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
    assert [e.value for e in at.error] == ["Cells to correct: 1. Nothing was imported."]
    table = at.dataframe[-1].value                                   # after the mapping editor
    assert list(table.iloc[0]) == ["总装车间", "B2", "“2026-02-30” is not a date I can read: write it like 2026-03-05."]
    assert not [b for b in at.button if b.key == "import_confirm"]
    assert store.issue_count() == 0


def test_only_administrators_import(plant):
    at = app_as(plant["lead"].id, lang="en")
    at.run()
    at.switch_page("app_pages/excel.py").run()
    assert [w.value for w in at.warning] == ["An import creates people, areas and categories: only administrators import."]
    assert not at.get("file_uploader")


LETTERED = [["问题描述", "开启日期", "责任人", "遏制措施", "QE检查", "状态"],
            ["卡扣断裂", "2026-03-02", "张伟", "G", "G", "进行中"],
            ["划伤", "2026-03-03", "张伟", "Y", "R", "QE hold"]]


def _edit(at: AppTest, key: str, rows: dict[int, str]) -> AppTest:
    """Pick new values in a mapping table's last column, as a person does in the grid."""
    at.session_state[key] = {"edited_rows": {row: {"to": label} for row, label in rows.items()}, "added_rows": [],
                             "deleted_rows": []}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_mapping_editor_maps_a_step_column_and_a_status_word_then_offers_it_again(plant):
    content = _workbook(LETTERED)
    shape = sheet_import.read_table(content, store.step_columns()).shape
    at = _page(plant)
    at.get("file_uploader")[0].upload("qe.xlsx", content, XLSX).run()
    columns = at.dataframe[0].value
    assert list(columns.iloc[4]) == ["E", "QE检查", "G · R", "— 请选择 —"]       # undecided: it holds letters
    assert list(columns["to"][:4]) == ["字段：问题描述", "字段：提出日期", "字段：责任人", "步骤：遏制措施"]
    problems = at.dataframe[-1].value
    assert list(problems["单元格"]) == ["E1", "F3"] and not [b for b in at.button if b.key == "import_confirm"]
    assert "列“QE检查”里是步骤字母或颜色" in problems["问题及处理"][0]

    _edit(at, f"import_columns_{shape[:16]}", {4: "步骤：验证有效性"})
    status_key = next(k for k in at.session_state if k.startswith("import_status_"))
    _edit(at, status_key, {1: "未关闭"})
    assert [i.value for i in at.info] == ["将新建2个、更新0个、保持0个问题。"]
    at.button(key="import_confirm").click().run()
    assert [s.value for s in at.success] == ["已导入：新建2个，更新0个。"]
    first = store.board_frame().set_index("description").loc["卡扣断裂"]
    assert first["steps"]["verified"]["state"] == "done"
    assert store.saved_mapping(shape)["status"] == {"进行中": "open", "QE hold": "open"}

    again = app_as(plant["owner"].id)                                 # next week, the same sheet's shape
    again.run()
    again.switch_page("app_pages/excel.py").run()
    again.get("file_uploader")[0].upload("qe-next-week.xlsx", content, XLSX).run()
    assert "已按上次导入同样表头的映射预填。" in [c.value for c in again.caption]
    assert again.dataframe[0].value["to"][4] == "步骤：验证有效性" and not again.error
    assert [i.value for i in again.info] == ["将新建0个、更新0个、保持2个问题。"]


def test_the_preview_is_read_once_per_file_and_planned_read_only(plant, monkeypatch):
    """Reruns (any widget) reuse the sheet read and the dry run: neither runs again for the same file."""
    calls = {"read": 0, "plan": 0}
    read, plan = sheet_import.read_table, store.plan_import

    def counted(name, call):
        def run(*args, **kwargs):
            calls[name] += 1
            return call(*args, **kwargs)
        return run
    monkeypatch.setattr(sheet_import, "read_table", counted("read", read))
    monkeypatch.setattr(store, "plan_import", counted("plan", plan))
    at = _page(plant)
    rows = [["问题描述", "开启日期", "责任人"], ["缓存测试", "2026-03-02", "张伟"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    at.run()
    at.run()
    assert calls == {"read": 1, "plan": 1} and store.issue_count() == 0


def test_an_upload_over_the_import_limit_is_refused_in_words(plant, monkeypatch):
    monkeypatch.setenv("QR_MAX_IMPORT_MB", "1")
    at = _page(plant, "en")
    at.get("file_uploader")[0].upload("huge.xlsx", b"x" * (1024 * 1024 + 1), XLSX).run()
    assert [e.value for e in at.error] == ["The file is 1.0 MB, over the 1 MB limit: split it into smaller files."]


def test_a_customer_column_is_previewed_with_the_customers_it_creates_and_imported(plant):
    at = _page(plant, "en")
    rows = [["Description", "Category", "Customer", "Open date", "Owner"],
            ["Door trim clip broken", "客户投诉", "长城汽车", "2026-03-02", "张伟"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    assert not at.exception and "New customers: 长城汽车" in [text.value for text in at.text]
    at.button(key="import_confirm").click().run()
    assert store.board_frame().iloc[0]["customer"] == "长城汽车"


def test_complaints_left_without_a_customer_are_named_before_the_import(plant):
    """The plant keeps customers, so the app's forms ask each complaint for one; the sheet's second complaint has
    none: the preview says which row, and the import goes ahead."""
    store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    at = _page(plant, "en")
    rows = [["Description", "Category", "Customer", "Open date", "Owner"],
            ["Door trim clip broken", "客户投诉", "SGM", "2026-03-02", "张伟"],
            ["Seat squeak", "客户投诉", "", "2026-03-03", "张伟"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    assert [w.value for w in at.warning] == [
        "1 customer complaint(s) name no customer (rows 3). They are imported all the same; afterwards choose each "
        "one's customer on the update page: it sets the response clocks and the customer KPIs."]
    at.button(key="import_confirm").click().run()
    assert store.issue_count() == 2


def test_a_customer_on_an_internal_issue_is_a_cell_to_correct(plant):
    at = _page(plant, "en")
    rows = [["Description", "Category", "Customer", "Open date", "Owner"],
            ["Burr on flange", "GP12", "上汽通用", "2026-03-02", "张伟"]]
    at.get("file_uploader")[0].upload("board.xlsx", _workbook(rows), XLSX).run()
    assert list(at.dataframe[-1].value.iloc[0]) == [
        "总装车间", "C2", "A customer goes only on a customer complaint: empty this cell, or give the row a customer "
                          "complaint category."]
    assert not [b for b in at.button if b.key == "import_confirm"] and store.issue_count() == 0

"""Sheets as plants really keep them, built with openpyxl and imported through the store: the GM course's English
board, a Chinese problem list exported from an online sheet, an English action list. Each column and word is
mapped (pre-filled from the words table, editable, saved per header shape); nothing is dropped silently; every
refusal names the sheet, the cell and what to do."""
import io
import json
import re
import subprocess
import sys
import threading
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from sqlmodel import SQLModel

from qr import db, demo, import_words, sheet_import, store, views
from qr.i18n import t
from qr.import_words import header_key, word_key
from tests.conftest import ROOT, plant_moment

ON = date(2026, 3, 12)
NOW = plant_moment(ON)
GREEN, AMBER, RED = "00B050", "FFC000", "FF0000"


def workbook(rows: list[list], *, sheet: str = "Sheet1", fills: dict[str, str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    worksheet = book.active
    worksheet.title = sheet
    for values in rows:
        worksheet.append(values)
    for address, colour in (fills or {}).items():
        worksheet[address].fill = PatternFill("solid", fgColor=colour)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(content: bytes, given: dict | None = None):
    return sheet_import.read_board(content, store.step_columns(), given=given)


def targets(table, mapping) -> dict[str, str | None]:
    return {c.header: mapping.columns[c.index] for c in table.columns}


def imported(preview, **values):
    assert preview.errors == []
    return store.import_issues(actor_id=None, issues=preview.issues, source="test.xlsx", now=NOW, **values)


def steps(number: str) -> dict[str, str]:
    return {s["code"]: s["status"].value for s in store.issue_detail(number, on=ON).steps}


# ---------------------------------------------------------------- the words table

def test_no_word_means_two_things():
    """Each table is read by its normalised key: two spellings of one key must agree."""
    for table, key in ((import_words.FIELD_WORDS, header_key), (import_words.STATUS_WORDS, word_key),
                       (import_words.LETTER_WORDS, word_key), (import_words.SEVERITY_WORDS, word_key)):
        meanings: dict[str, set] = {}
        for meaning, words in table.items():
            for word in words:
                meanings.setdefault(key(word), set()).add(meaning)
        assert {k: m for k, m in meanings.items() if len(m) > 1} == {}
    step_keys = {header_key(w) for words in import_words.STEP_WORDS.values() for w in words}
    assert step_keys & set(import_words.FIELD_BY_HEADER) == set()


@pytest.mark.parametrize("word, status", [
    *[(w, "open") for w in ("open", "Ongoing", "in progress", "LATE", "overdue", "延期", "进行中")],
    *[(w, "closed") for w in ("closed", "Done", "complete", "完成", "关闭", "已关闭")],
    *[(w, "cancelled") for w in ("cancelled", "Canceled", "void", "duplicate", "取消", "作废", "重复")],
])
def test_status_words(word, status):
    assert import_words.STATUS_BY_WORD[word_key(word)] == status


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_state_our_export_writes_reads_back(lang):
    """The export's status column says open, awaiting the customer, closed or cancelled; a sheet made from it
    comes back in with the same meaning."""
    records = {"open": {"closed_on": None, "cancelled": False, "awaiting_acceptance": False},
               "awaiting": {"closed_on": None, "cancelled": False, "awaiting_acceptance": True},
               "closed": {"closed_on": date(2026, 3, 1), "cancelled": False, "awaiting_acceptance": False},
               "cancelled": {"closed_on": date(2026, 3, 1), "cancelled": True, "awaiting_acceptance": False}}
    written = {name: t(views.issue_state(record), lang) for name, record in records.items()}
    assert written["awaiting"] == {"zh": "待客户认可", "en": "awaiting customer"}[lang]
    assert {name: import_words.STATUS_BY_WORD[word_key(word)] for name, word in written.items()} == \
        {"open": "open", "awaiting": "open", "closed": "closed", "cancelled": "cancelled"}


@pytest.mark.parametrize("header, target", [
    ("序号", "number"), ("No.", "number"), ("Item", "number"), ("Issue #", "number"),
    ("问题描述", "description"), ("问题", "description"), ("Issue", "description"), ("Problem", "description"),
    ("Description", "description"), ("Concern", "description"),
    ("责任人", "owner"), ("负责人", "owner"), ("Owner", "owner"), ("Resp.", "owner"), ("Responsible", "owner"),
    ("PIC", "owner"), ("发现日期", "opened_on"), ("提出日期", "opened_on"), ("开启日期", "opened_on"),
    ("Date Opened", "opened_on"), ("Open Date", "opened_on"), ("Raised", "opened_on"), ("Start", "opened_on"),
    ("计划完成", "next_report_on"), ("Due", "next_report_on"), ("Target Date", "next_report_on"),
    ("状态", "status"), ("Status", "status"), ("关闭日期", "closed_on"), ("Closed Date", "closed_on"),
    ("Close Date", "closed_on"), ("Completion", "closed_on"), ("零件号", "part_number"), ("Part No.", "part_number"),
    ("P/N", "part_number"), ("责任人\nOwner", "owner"), ("Root Cause (D4)", "step:root_cause"),
    ("Containment", "step:containment"), ("遏制措施", "step:containment"), ("Cont.", "step:containment"),
    ("Verification", "step:verified"), ("PFMEA", "step:pfmea"), ("Control Plan", "step:pfmea"),
    ("Standardized Work", "step:standard_work"), ("LPA", "step:lpa"), ("Lessons Learned", "step:lessons_learned"),
    ("PFMEA/控制计划", "step:pfmea"), ("Remarks", "comment"), ("备注", "comment"), ("Overall", "ignore"),
    ("客户", "customer"), ("客户名称", "customer"), ("主机厂", "customer"), ("Customer", "customer"), ("OEM", "customer"),
])
def test_header_words(plant, header, target):
    assert sheet_import.recognise(header, sheet_import.known_headers(store.step_columns())) == target


@pytest.mark.parametrize("text, expected", [
    ("2026/3/5 10:20", date(2026, 3, 5)), ("2026-03-05 00:00:00", date(2026, 3, 5)), ("5-Mar-26", date(2026, 3, 5)),
    ("05 Mar 2026", date(2026, 3, 5)), ("Mar 5, 2026", date(2026, 3, 5)), ("March 5 2026", date(2026, 3, 5)),
    ("3/5/26", date(2026, 3, 5)), ("20260305", date(2026, 3, 5)), (46086, date(2026, 3, 5)),
    ("5-Foo-26", None), ("3月5日", None), (12, None),
])
def test_dates_as_action_lists_and_online_sheets_write_them(text, expected):
    assert sheet_import.parse_date(text) == expected


# ---------------------------------------------------------------- three real sheets

GM_HEADER = ["Item", "Date Opened", "Concern", "Part No.", "Resp.", "Containment", "Root Cause", "Corrective Action",
             "Verification", "PFMEA", "Control Plan", "Standardized Work", "LPA", "Lessons Learned", "Closed Date"]


def test_a_gm_board_with_the_courses_column_names_keeps_every_steps_colour(plant):
    rows = [["QRQC Board — Final Assembly"], GM_HEADER,
            ["GM-01", datetime(2026, 3, 2), "Weld nut missing", "5401-0120", "Zhang Wei", "G", "G", "Y", None, "G",
             "R", "N/A", None, None, None],
            ["GM-02", datetime(2026, 3, 9), "Door trim clip broken", "5310-1021", "Sun Li", None, None, None, None,
             None, None, None, None, None, datetime(2026, 3, 11)]]
    fills = {"F4": GREEN, "G4": GREEN, "H4": GREEN, "I4": GREEN, "J4": GREEN, "K4": GREEN, "L4": GREEN,
             "M4": GREEN, "N4": GREEN}
    table, mapping, preview = read(workbook(rows, sheet="ASSY", fills=fills))
    assert table.header_row == 2 and preview.ignored == [] and preview.errors == []
    assert targets(table, mapping) == {
        "Item": "number", "Date Opened": "opened_on", "Concern": "description", "Part No.": "part_number",
        "Resp.": "owner", "Containment": "step:containment", "Root Cause": "step:root_cause",
        "Corrective Action": "step:corrective_action", "Verification": "step:verified", "PFMEA": "step:pfmea",
        "Control Plan": "step:pfmea", "Standardized Work": "step:standard_work", "LPA": "step:lpa",
        "Lessons Learned": "step:lessons_learned", "Closed Date": "closed_on"}
    outcome = imported(preview)
    assert outcome.created == ["GM-01", "GM-02"]
    first = steps("GM-01")
    assert (first["containment"], first["root_cause"], first["verified"]) == ("G", "G", "Y")
    assert first["pfmea"] == "R"                          # PFMEA G and Control Plan R: one step, the worse
    assert first["standard_work"] == "NA"
    second = steps("GM-02")                               # coloured by fill alone: every step on the sheet green
    assert {code for code, status in second.items() if status == "G"} == set(second) - {"error_proofing",
                                                                                        "read_across"}
    assert store.issue_detail("GM-02", on=ON).issue["closed_on"] == date(2026, 3, 11)


def test_a_chinese_problem_list_from_an_online_sheet(plant):
    rows = [["序号", "问题描述", "提出日期", "负责人", "计划完成时间", "状态", "完成时间", "备注"],
            [1, "前围板毛刺超差", "2026/3/2 09:15", "张伟", "2026/3/20", "进行中", None, None],
            [2, "模具顶杆断裂导致停线", "2026-03-03 14:00:00", "孙丽", "2026/3/10", "延期", None, "等备件"],
            [3, "卡扣断裂", "2026年3月4日", "张伟", None, "已完成", "2026/3/9", None],
            [4, "卡扣断裂(重复登记)", "2026/3/5", "张伟", None, "重复", None, "与序号3相同"],
            [5, "标签错贴", 46086, "王芳", None, "作废", None, "非质量问题"]]
    table, mapping, preview = read(workbook(rows, sheet="问题跟踪表"))
    assert preview.ignored == [] and preview.errors == []
    assert targets(table, mapping)["计划完成时间"] == "next_report_on"
    assert mapping.status == {"进行中": "open", "延期": "open", "已完成": "closed", "重复": "cancelled", "作废": "cancelled"}
    outcome = imported(preview)
    assert outcome.created == ["1", "2", "3", "4", "5"] and outcome.new_names["people"] == ["王芳"]
    detail = {n: store.issue_detail(n, on=ON) for n in outcome.created}
    assert [(d.issue["closed_on"], d.issue["cancelled"]) for d in detail.values()] == [
        (None, False), (None, False), (date(2026, 3, 9), False), (ON, True), (ON, True)]
    assert detail["2"].issue["report_overdue"] and detail["2"].issue["next_report_on"] == date(2026, 3, 10)
    assert detail["5"].issue["opened_on"] == date(2026, 3, 5)          # an Excel day number
    cancelled = {h["field"]: h["reason"] for h in detail["4"].history}
    assert cancelled["cancelled"] == "与序号3相同"                       # the sheet's comment is the reason
    assert store.board_frame(on=ON)["number"].tolist().count("4") == 0


def test_an_english_action_list_with_abbreviated_dates_and_statuses(plant):
    rows = [["Action #", "Issue", "Raised", "PIC", "Due Dt", "Status", "Cls Dt", "Comments"],
            ["A-101", "Torque audit failed on line 2", "2-Mar-26", "Zhang Wei", "Mar 20, 2026", "late", None, ""],
            ["A-102", "Label mix-up at dock", "3/3/26", "Sun Li", "3/13/26", "Cancelled", "3/4/26",
             "raised twice, see A-101"],
            ["A-103", "Missing clip", "04-Mar-2026", "Sun Li", None, "Done", "10-Mar-26", None],
            ["A-104", "Paint run on hood", "5 Mar 2026", "Zhang Wei", None, "In progress", None, None],
            ["A-105", "Scratch on bumper", "6-Mar-26", "Zhang Wei", None, "canceled", None, None]]
    table, mapping, preview = read(workbook(rows, sheet="Actions"))
    assert targets(table, mapping) == {"Action #": "number", "Issue": "description", "Raised": "opened_on",
                                       "PIC": "owner", "Due Dt": "next_report_on", "Status": "status",
                                       "Cls Dt": "closed_on", "Comments": "comment"}
    outcome = imported(preview)
    state = {n: (store.issue_detail(n, on=ON).issue["closed_on"], store.issue_detail(n, on=ON).issue["cancelled"])
             for n in outcome.created}
    assert state == {"A-101": (None, False), "A-102": (date(2026, 3, 4), True), "A-103": (date(2026, 3, 10), False),
                     "A-104": (None, False), "A-105": (ON, True)}
    assert store.issue_detail("A-101", on=ON).issue["next_report_on"] == date(2026, 3, 20)


# ---------------------------------------------------------------- nothing dropped silently

LETTERED = [["Description", "Open date", "Owner", "Containment", "QE check"],
            ["卡扣断裂", "2026-03-02", "张伟", "G", "R"],
            ["划伤", "2026-03-03", "张伟", "Y", None]]


def test_a_column_of_step_letters_that_is_not_mapped_stops_the_import(plant):
    table, mapping, preview = read(workbook(LETTERED, sheet="板", fills={"E3": GREEN}))
    assert mapping.columns[4] is None and preview.issues == []
    assert [(e.sheet, e.cell, e.key, e.values) for e in preview.errors] == [
        ("板", "E1", "import.err.unmapped_steps", {"header": "QE check"})]
    assert sheet_import.problem_message(preview.errors[0], "en") == (
        "Column “QE check” holds step letters or colours but is not mapped: choose the step it is, or choose "
        "“Ignore” on purpose.")


@pytest.mark.parametrize("to, verified", [("ignore", "Y"), ("step:verified", "R")])
def test_mapped_or_ignored_on_purpose_it_imports(plant, to, verified):
    content = workbook(LETTERED, sheet="板", fills={"E3": GREEN})
    table, mapping, _ = read(content)
    chosen = sheet_import.mapping_json(table, mapping)
    chosen["columns"][4]["to"] = to
    table, mapping, preview = read(content, given=chosen)
    outcome = imported(preview)
    assert steps(outcome.created[0])["verified"] == verified
    assert [c.header for c in preview.ignored] == (["QE check"] if to == "ignore" else [])


def test_every_refusal_names_the_sheet_the_cell_and_what_to_do(plant):
    rows = [["Issue", "Raised", "Status", "Sev"],
            ["no owner column at all", "2026-03-02", "QE hold", "X"]]
    _, _, preview = read(workbook(rows, sheet="Actions"))
    assert [(e.sheet, e.cell, e.key) for e in preview.errors] == [("Actions", "A1:D1", "import.err.no_column")]
    assert sheet_import.problem_message(preview.errors[0], "zh") == "没有导入为“责任人”的列：请把一列映射为“责任人”。"
    rows = [["Issue", "Raised", "Status", "Sev", "Owner"],
            ["bad cells", "2026-02-30", "QE hold", "X", ""]]
    _, _, preview = read(workbook(rows, sheet="Actions"))
    assert [(e.sheet, e.cell, e.key) for e in preview.errors] == [
        ("Actions", "E2", "import.err.required"), ("Actions", "B2", "import.err.date"),
        ("Actions", "C2", "import.err.status"), ("Actions", "D2", "import.err.severity")]
    assert all(re.fullmatch(r"[A-Z]+\d+(:[A-Z]+\d+)?", e.cell) for e in preview.errors)   # never owner2


def test_a_status_word_the_table_lacks_is_mapped_by_the_person(plant):
    rows = [["Issue", "Raised", "Owner", "Status"], ["QE hold", "2026-03-02", "张伟", "QE hold"]]
    content = workbook(rows)
    table, mapping, preview = read(content)
    assert mapping.status == {"QE hold": None} and [e.cell for e in preview.errors] == ["D2"]
    chosen = {**sheet_import.mapping_json(table, mapping), "status": {"QE hold": "open"}}
    _, _, preview = read(content, given=chosen)
    assert imported(preview).created


def test_store_refusals_name_cells_too(plant):
    rows = [["No.", "Issue", "Raised", "Owner", "Closed"],
            ["X-1", "长" * 2001, "2026-03-02", "张伟", None],
            ["X-2", "future", "2027-03-02", "张伟", None],
            ["X-3", "closed before opened", "2026-03-05", "张伟", "2026-03-01"],
            ["X-1", "the same number twice", "2026-03-02", "张伟", None]]
    _, _, preview = read(workbook(rows, sheet="S"))
    with pytest.raises(store.ImportRefused) as refused:
        imported(preview)
    assert [(e.sheet, e.cell, e.key) for e in refused.value.problems] == [
        ("S", "B2", "import.err.too_long"), ("S", "C3", "import.err.opened_range"),
        ("S", "E4", "import.err.closed_range"), ("S", "A5", "import.err.twice")]
    assert store.plan_import(actor_id=None, issues=preview.issues, now=NOW).errors == refused.value.problems
    assert store.issue_count() == 0


def test_every_message_key_the_import_names_is_translated():
    from qr.i18n import TEXT
    from tests.conftest import ROOT
    source = "".join((ROOT / "qr" / name).read_text("utf-8") for name in ("sheet_import.py", "store/imports.py"))
    keys = set(re.findall(r"""["'](import\.err\.\w+)["']""", source))
    assert len(keys) > 15 and sorted(k for k in keys if k not in TEXT) == []


# ---------------------------------------------------------------- saved per header shape

def test_the_mapping_is_saved_per_header_shape_and_offered_next_time(plant):
    content = workbook(LETTERED, sheet="板")
    table, mapping, _ = read(content)
    assert store.saved_mapping(table.shape) is None
    chosen = sheet_import.mapping_json(table, mapping)
    chosen["columns"][4]["to"] = "step:verified"
    table, mapping, preview = read(content, given=chosen)
    imported(preview, mapping=sheet_import.mapping_json(table, mapping))
    same_shape = [["description", " OPEN DATE ", "owner", "containment", "QE-check"],
                  ["新问题", "2026-03-04", "张伟", "G", "G"]]
    table, mapping, _ = read(workbook(same_shape))
    assert sheet_import.shape_key([c.header for c in table.columns]) == table.shape
    saved = store.saved_mapping(table.shape)
    assert saved["columns"][4]["to"] == "step:verified"
    assert sheet_import.propose(table, store.step_columns(), saved).columns[4] == "step:verified"
    assert store.admin_history()[0]["entity"] == "import_mapping"


def test_a_sheet_the_words_read_right_saves_no_mapping(plant):
    table, mapping, _ = read(workbook([["Description", "Open date", "Owner"]]))
    assert not sheet_import.worth_saving(table, mapping, store.step_columns(), None)
    mapping.columns[0] = "ignore"
    assert sheet_import.worth_saving(table, mapping, store.step_columns(), None)


# ---------------------------------------------------------------- limits and the write lock

def test_a_sheet_over_the_row_limit_is_refused(plant, monkeypatch):
    monkeypatch.setattr(sheet_import, "MAX_IMPORT_ROWS", 3)
    rows = [["Description", "Open date", "Owner"]] + [[f"问题{n}", "2026-03-02", "张伟"] for n in range(4)]
    with pytest.raises(sheet_import.SheetRefused) as refused:
        read(workbook(rows))
    assert (refused.value.key, refused.value.values) == ("import.err.too_many_rows", {"sheet": "Sheet1", "limit": 3})
    assert t(refused.value.key, "en", **refused.value.values) == (
        "Sheet “Sheet1” has more than 3 rows: split it into smaller files.")
    read(workbook(rows[:4]))                                          # three rows are fine


def test_the_real_row_limit_is_twenty_thousand():
    assert sheet_import.MAX_IMPORT_ROWS == 20_000


def test_a_file_over_the_size_limit_is_refused():
    sheet_import.check_size(b"x" * 1024 * 1024, 1)
    with pytest.raises(sheet_import.SheetRefused) as refused:
        sheet_import.check_size(b"x" * (1024 * 1024 + 1), 1)
    assert refused.value.key == "import.err.too_large" and refused.value.values["limit"] == 1


def test_the_dry_run_reads_while_another_transaction_holds_the_write_lock(plant, engine):
    """The preview works out its plan read-only: an import (or any save) holding the write lock does not stall
    it (on SQLite a write transaction takes the lock up front)."""
    _, _, preview = read(workbook([["Description", "Open date", "Owner"], ["锁测试", "2026-03-02", "张伟"]]))
    holding, release = threading.Event(), threading.Event()

    def writer():
        with db.write_session(engine) as session:
            store.create_person(session=session, name="写锁")
            holding.set()
            release.wait(20)
            session.rollback()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        done = []
        reader = threading.Thread(target=lambda: done.append(store.plan_import(actor_id=None, issues=preview.issues,
                                                                               now=NOW)))
        reader.start()
        reader.join(10)
        assert done and done[0].count("create") == 1
    finally:
        release.set()
        thread.join()


# ---------------------------------------------------------------- the whole board out and in again

def _snapshot() -> dict[str, list]:
    with db.get_engine().connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(table.select()).all()), key=repr)
                for table in SQLModel.metadata.sorted_tables}


def _cli(*arguments, database_url, **env):
    return subprocess.run([sys.executable, "-m", "qr", *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "QR_DEMO": "0", **env})


def test_cli_exports_every_issue_and_importing_it_back_changes_nothing(engine, database_url, tmp_path):
    today = store.today()
    demo.load_demo(on=today)
    board = store.board_frame(on=today)
    duplicate = board.iloc[0]
    store.cancel_issue(actor_id=None, issue_id=int(duplicate["id"]), reason="与另一问题重复",
                       expected_version=int(duplicate["version"]))
    closed = store.board_frame(on=today, include_closed=True, with_list=True)
    assert closed["closed_on"].notna().sum() >= 2 and not closed["on_board"].all()     # closed, cancelled, list
    path = tmp_path / "everything.xlsx"
    exported = _cli("export", str(path), "--include-closed", database_url=database_url)
    assert exported.returncode == 0, exported.stderr
    assert f"{store.issue_count()} issues written" in exported.stdout
    header, *rows = openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True)
    assert {"未关闭", "已关闭", "已取消"} <= {row[header.index("状态")] for row in rows}
    customers = {row[header.index("编号")]: row[header.index("客户")] for row in rows}
    assert customers == {r["number"]: r["customer"] or None for r in closed.to_dict("records")}
    assert {"上汽通用", "一汽-大众"} <= set(customers.values())        # the demo's complaints name their customers
    before = _snapshot()
    again = _cli("import", str(path), database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert f"0 issues were created, 0 updated, {store.issue_count()} unchanged" in again.stdout
    assert _snapshot() == before                          # not a row, not an audit event, not a saved mapping


def test_cli_imports_a_recognised_sheet_with_no_mapping_file(engine, database_url, tmp_path):
    path = tmp_path / "问题清单.xlsx"
    path.write_bytes(workbook([["序号", "问题描述", "提出日期", "负责人", "状态", "备注"],
                               [1, "前围板毛刺超差", "2026/3/2", "张伟", "进行中", None],
                               [2, "重复登记", "2026/3/3", "张伟", "作废", "与1相同"]]))
    done = _cli("import", str(path), database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert "2 issues were created" in done.stdout and done.stderr == ""
    assert store.issue_detail("2").issue["cancelled"]


def test_cli_writes_a_mapping_file_and_reads_it_back(engine, database_url, tmp_path):
    sheet, mapping_file = tmp_path / "board.xlsx", tmp_path / "board-mapping.json"
    sheet.write_bytes(workbook(LETTERED, sheet="板", fills={"E3": GREEN}))
    refused = _cli("import", str(sheet), "--save-mapping", str(mapping_file), database_url=database_url)
    assert refused.returncode == 2
    assert "sheet 板, cell E1: Column “QE check” holds step letters or colours but is not mapped" in refused.stderr
    written = json.loads(mapping_file.read_text("utf-8"))           # written all the same, to be edited
    assert written["columns"][4] == {"column": "E", "header": "QE check", "to": None}
    written["columns"][4]["to"] = "step:verified"
    mapping_file.write_text(json.dumps(written, ensure_ascii=False), "utf-8")
    dry = _cli("import", str(sheet), "--mapping", str(mapping_file), "--dry-run", database_url=database_url)
    assert dry.returncode == 0 and "2 issues would be created" in dry.stdout and store.issue_count() == 0
    assert "sheet 板, column E “QE check”: Step: Corrective action verified" in dry.stdout.splitlines()
    done = _cli("import", str(sheet), "--mapping", str(mapping_file), database_url=database_url)
    assert done.returncode == 0, done.stderr
    scratch = store.board_frame().set_index("description").loc["划伤"]
    assert scratch["steps"]["verified"]["state"] == "done"           # QE check's green fill, now the verified step
    offered = _cli("import", str(sheet), "--dry-run", database_url=database_url)      # the saved one, no file
    assert offered.returncode == 0 and "0 issues would be created, 0 updated, 2 unchanged" in offered.stdout


@pytest.mark.parametrize("content, message", [
    ('{"columns": [{"column": "E", "header": "QE check", "to": "step:nonsense"}]}', "names an unknown target"),
    ('{"columns": [], "status": {"hold": "paused"}}', "holds an unknown meaning"),
    ("[1, 2]", "is not shaped like a mapping"), ("{not json", "not a JSON file")])
def test_cli_refuses_a_broken_mapping_file(engine, database_url, tmp_path, content, message):
    sheet, mapping_file = tmp_path / "board.xlsx", tmp_path / "m.json"
    sheet.write_bytes(workbook(LETTERED))
    mapping_file.write_text(content, "utf-8")
    refused = _cli("import", str(sheet), "--mapping", str(mapping_file), database_url=database_url)
    assert refused.returncode == 2 and message in refused.stderr and store.issue_count() == 0


def test_cli_refuses_a_file_over_qr_max_import_mb(engine, database_url, tmp_path):
    path = tmp_path / "huge.xlsx"
    path.write_bytes(b"x" * (1024 * 1024 + 10))
    refused = _cli("import", str(path), database_url=database_url, QR_MAX_IMPORT_MB="1")
    assert refused.returncode == 2
    assert "huge.xlsx: The file is 1.0 MB, over the 1 MB limit: split it into smaller files." in refused.stderr


def test_cli_refuses_a_sheet_over_twenty_thousand_rows(engine, database_url, tmp_path):
    book = openpyxl.Workbook(write_only=True)
    worksheet = book.create_sheet("big")
    worksheet.append(["Description", "Open date", "Owner"])
    for n in range(sheet_import.MAX_IMPORT_ROWS + 1):
        worksheet.append([f"问题{n}", "2026-03-02", "张伟"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    refused = _cli("import", str(path), database_url=database_url)
    assert refused.returncode == 2 and "more than 20000 rows: split it into smaller files" in refused.stderr

"""Plants' own Excel boards, built with openpyxl, imported into a fresh database through the store."""
import io
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from sqlmodel import Session, func, select

from models import AuditEvent, Issue
from qr import db, demo, excel, sheet_import, store
from qr.board import sort_board
from qr.i18n import error_message
from tests.conftest import ROOT, plant_moment

ON = date(2026, 3, 12)
NOW = plant_moment(ON)


def _workbook(rows: list[list], *, title_rows: int = 0, fills: dict[str, str] | None = None,
              sheet: str = "总装车间") -> bytes:
    """A sheet as plants keep them: optional merged title rows above the header, fills by cell address."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for n in range(1, title_rows + 1):
        ws.cell(row=n, column=1, value=f"快速反应跟踪板 {n}")
        ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=6)
    for r, values in enumerate(rows, start=title_rows + 1):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    for address, colour in (fills or {}).items():
        ws[address].fill = PatternFill("solid", fgColor=colour)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(content: bytes):
    _, _, preview = sheet_import.read_board(content, store.step_columns())
    outcome = None
    if not preview.errors:
        outcome = store.import_issues(actor_id=None, issues=preview.issues, source="test.xlsx", now=NOW)
    return preview, outcome


def _statuses(number: str) -> dict[str, str]:
    return {s["code"]: s["status"].value for s in store.issue_detail(number, on=ON).steps}


def test_english_headers_under_merged_title_rows_with_letters(plant):
    header = ["No.", "Category", "Issue", "Date Opened", "Part #", "Resp.", "Lead", "Next Review",
              "Containment", "Root cause analysis", "Lessons learned", "Date Closed", "Remarks"]
    rows = [header,
            ["P-001", "PRR", "Weld nut missing", datetime(2026, 3, 2), "5401-0120", "Zhang Wei", "Sun Li",
             "2026/3/13", "G", "r", "", "OPEN", "call supplier"],
            ["P-002", "客户投诉", "Door trim clip broken", "3/4/2026", "5310-1021", "李强", "", "2026年3月16日",
             "g", "G", "N/A", "2026-03-10", ""]]
    preview, outcome = _import(_workbook(rows, title_rows=3))
    assert preview.header_row == 4 and preview.errors == [] and preview.ignored == []
    assert outcome.created == ["P-001", "P-002"] and outcome.new_names["people"] == ["李强"]
    first = store.issue_detail("P-001", on=ON)
    assert (first.issue["owner"], first.issue["lead"], first.issue["category_zh"]) == ("张伟", "孙丽", "PRR")
    assert (first.issue["opened_on"], first.issue["next_report_on"], first.issue["closed_on"]) == (
        date(2026, 3, 2), date(2026, 3, 13), None)
    assert first.issue["area_zh"] == "总装车间"                        # the sheet name names the area
    statuses = _statuses("P-001")
    assert (statuses["containment"], statuses["root_cause"]) == ("G", "R")
    assert statuses["corrective_action"] == "Y"
    second = store.issue_detail("P-002", on=ON)
    assert (second.issue["opened_on"], second.issue["closed_on"], second.issue["owner_en"]) == (
        date(2026, 3, 4), date(2026, 3, 10), "李强")
    assert _statuses("P-002")["lessons_learned"] == "NA"


def test_chinese_headers_fills_only_and_status_words(plant):
    header = ["问题描述", "开启日期", "责任人", "状态", "遏制措施", "根本原因分析", "纠正措施实施", "防错/探测"]
    rows = [header,
            ["GP12：前围板毛刺超差", "5.3.2026", "张伟", "进行中", None, None, None, None],
            ["停线：模具顶杆断裂", "2026-03-01", "孙丽", "已关闭", None, None, None, None]]
    fills = {"E2": "00B050", "F2": "92D050", "G2": "FFC000", "H2": "FF0000",     # greens, amber, red
             "E3": "FF00B050", "F3": "C6EFCE", "G3": "FFFF00", "H3": "C00000"}
    preview, outcome = _import(_workbook(rows, fills=fills))
    assert preview.errors == [] and len(outcome.created) == 2
    first = store.board_frame(on=ON)
    assert len(first) == 1                                             # the 已关闭 one is closed
    number = first.iloc[0]["number"]
    statuses = _statuses(number)
    assert [statuses[c] for c in ("containment", "root_cause", "corrective_action", "error_proofing")] == [
        "G", "G", "Y", "R"]
    with db.read_session() as session:
        closed = session.exec(select(Issue).where(Issue.description == "停线：模具顶杆断裂")).one()
    assert closed.closed_on == ON                                      # closed by word: the import day


@pytest.mark.parametrize("text, expected", [
    ("2026-03-05", date(2026, 3, 5)), ("2026/3/5", date(2026, 3, 5)), ("3/5/2026", date(2026, 3, 5)),
    ("5.3.2026", date(2026, 3, 5)), ("2026年3月5日", date(2026, 3, 5)), (datetime(2026, 3, 5, 8, 0), date(2026, 3, 5)),
    ("2026-02-30", None), ("next week", None),
])
def test_date_formats(text, expected):
    assert sheet_import.parse_date(text) == expected


def test_a_bad_cell_imports_nothing_and_names_the_cell(plant):
    rows = [["问题描述", "开启日期", "责任人"],
            ["好的一行", "2026-03-02", "张伟"],
            ["日期写错", "2026-13-02", "张伟"],
            ["", "2026-03-02", ""]]
    preview, outcome = _import(_workbook(rows, title_rows=1))
    assert outcome is None
    assert [(e.cell, e.key) for e in preview.errors] == [
        ("B4", "import.err.date"), ("A5", "import.err.required"), ("C5", "import.err.required")]
    assert store.issue_count() == 0


CUSTOMER_HEADER = ["问题描述", "类别", "客户", "提出日期", "责任人"]


def _customer_of(number: str) -> str | None:
    return store.issue_detail(number, on=ON).issue["customer_code"] or None


def test_a_customer_column_names_each_complaints_customer_by_code_or_either_name(plant):
    store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    store.create_customer(actor_id=None, code="FAW", name_zh="一汽-大众", name_en="FAW-VW")
    rows = [CUSTOMER_HEADER,
            ["门板卡扣断裂", "客户投诉", "上汽通用", "2026-03-02", "张伟"],
            ["座椅异响", "客户投诉", "FAW", "2026-03-03", "张伟"],
            ["[点我](http://x.example) =1+1", "PRR", "SAIC-GM", "2026-03-04", "张伟"],
            ["尾门间隙超差", "售后/保修", "长城汽车", "2026-03-05", "张伟"],      # not kept yet: created, listed
            ["GP12 毛刺", "GP12", "", "2026-03-06", "张伟"]]                     # internal, no customer
    preview = sheet_import.read_board(_workbook(rows), store.step_columns())[2]
    assert not preview.errors and preview.issues[0].cells["customer"] == "C2"
    plan = store.plan_import(actor_id=None, issues=preview.issues, now=NOW)
    assert plan.new_names["customers"] == ["长城汽车"] and not plan.errors
    _, outcome = _import(_workbook(rows))
    assert [_customer_of(number) for number in outcome.created] == ["SGM", "FAW", "SGM", "长城汽车", None]
    made = next(c for c in store.customers() if c.code == "长城汽车")
    assert (made.name_zh, made.name_en, made.active) == ("长城汽车", "长城汽车", True)

    again = [CUSTOMER_HEADER, ["门板卡扣断裂", "客户投诉", "FAW-VW", "2026-03-02", "张伟"],   # moved to FAW
             ["座椅异响", "客户投诉", "", "2026-03-03", "张伟"]]                          # blank: kept
    _, second = _import(_workbook(again))
    assert (second.updated, second.unchanged) == ([outcome.created[0]], [outcome.created[1]])
    assert [_customer_of(number) for number in outcome.created[:2]] == ["FAW", "FAW"]
    with Session(db.get_engine()) as session:
        moved = session.exec(select(AuditEvent).where(AuditEvent.field == "customer_id")).one()
    assert moved.reason == "test.xlsx, row 2"


def test_a_sheet_moving_a_complaint_to_another_customer_times_its_clocks_by_that_customers_rules(plant):
    """A complaint entered in the app runs the category's clocks from its arrival; the sheet names SGM, whose only
    rule is acknowledging in 30 minutes: the clocks follow, as they do when the app's form changes the customer.
    The imported complaint (its arrival unknown) moved to SGM starts none."""
    faw = store.create_customer(actor_id=None, code="FAW", name_zh="一汽-大众", name_en="FAW-VW")
    sgm = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    store.set_response_rule(actor_id=None, category_id=None, customer_id=sgm.id, code="ack", name_zh="响应",
                            name_en="Acknowledge", limit_minutes=30)
    received = plant_moment(ON, 9)
    entered = store.create_issue(actor_id=None, description="门板卡扣断裂", category_id=plant["categories"]["complaint"].id,
                                 area_id=plant["area"].id, severity="A", owner_id=plant["owner"].id,
                                 lead_id=plant["lead"].id, opened_on=ON, next_report_on=ON, customer_id=faw.id,
                                 template_id=plant["templates"]["standard"].id, received_at=received, now=NOW)
    imported = _import(_workbook([CUSTOMER_HEADER, ["座椅异响", "客户投诉", "FAW", "2026-03-03", "张伟"]]))[1]
    header = ["编号", *CUSTOMER_HEADER]
    _, outcome = _import(_workbook([header, [entered.number, "门板卡扣断裂", "客户投诉", "SGM", "2026-03-12", "张伟"],
                                    [imported.created[0], "座椅异响", "客户投诉", "SGM", "2026-03-03", "张伟"]]))
    assert sorted(outcome.updated) == sorted([entered.number, imported.created[0]])
    clocks = {c["code"]: c["due_at"] for c in store.issue_detail(entered.number, on=ON).issue["clocks"]}
    assert clocks == {"ack": received + timedelta(minutes=30)}
    assert store.issue_detail(imported.created[0], on=ON).issue["clocks"] == []


def test_complaints_left_without_a_customer_are_listed_once_the_plant_keeps_customers(plant):
    """No customer kept and none in the sheet: nothing to ask for (the app's forms ask neither). Once the plant
    keeps one, a complaint row with a blank customer (new, or an update of a complaint that has none) is listed by
    its sheet row, imported all the same; internal rows and complaints with a customer are not."""
    rows = [CUSTOMER_HEADER,
            ["门板卡扣断裂", "客户投诉", "", "2026-03-02", "张伟"],
            ["GP12 毛刺", "GP12", "", "2026-03-03", "张伟"]]
    first = store.plan_import(actor_id=None, issues=sheet_import.read_board(_workbook(rows), store.step_columns())[2]
                              .issues, now=NOW)
    assert first.without_customer == []
    _, outcome = _import(_workbook(rows))
    assert outcome.without_customer == []
    store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    again = [*rows, ["座椅异响", "客户投诉", "", "2026-03-04", "张伟"], ["尾门间隙超差", "客户投诉", "SGM", "2026-03-05", "张伟"]]
    preview = sheet_import.read_board(_workbook(again), store.step_columns())[2]
    assert store.plan_import(actor_id=None, issues=preview.issues, now=NOW).without_customer == [2, 4]
    _, second = _import(_workbook(again))
    assert second.without_customer == [2, 4] and len(second.created) == 2
    assert sheet_import.without_customer_message([2, 4], "zh").startswith("2个客户投诉没有写客户(第2, 4行)")
    assert sheet_import.without_customer_message(list(range(2, 30)), "en", shown=3).startswith(
        "28 customer complaint(s) name no customer (rows 2, 3, 4 …)")


def test_a_complaint_list_without_a_category_column_imports_its_rows_as_customer_complaints(plant):
    store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用", name_en="SAIC-GM")
    rows = [["问题描述", "主机厂", "提出日期", "责任人"],                     # a customer-service team's 客诉跟踪表
            ["门板卡扣断裂", "SGM", "2026-03-02", "张伟"], ["内部发现：毛刺", "", "2026-03-03", "张伟"]]
    _, outcome = _import(_workbook(rows))
    board = store.board_frame(on=ON).set_index("number")
    complaint, internal = (board.loc[number] for number in outcome.created)
    assert (complaint["category_zh"], complaint["customer_code"]) == ("客户投诉", "SGM")
    assert (internal["category_zh"], internal["customer_code"]) == ("未分类", "")


def test_a_customer_on_an_internal_issue_or_a_retired_customer_imports_nothing(plant):
    faw = store.create_customer(actor_id=None, code="FAW", name_zh="一汽-大众", name_en="FAW-VW")
    store.update_customer(actor_id=None, customer_id=faw.id, name_zh="一汽-大众", name_en="FAW-VW", site="",
                          active=False)
    rows = [CUSTOMER_HEADER,
            ["GP12 毛刺", "GP12", "上汽通用", "2026-03-02", "张伟"],
            ["座椅异响", "客户投诉", "FAW", "2026-03-03", "张伟"],
            ["门板卡扣断裂", "客户投诉", "上汽通用", "2026-03-04", "张伟"]]
    preview = sheet_import.read_board(_workbook(rows), store.step_columns())[2]
    plan = store.plan_import(actor_id=None, issues=preview.issues, now=NOW)
    assert [(e.cell, e.key) for e in plan.errors] == [("C2", "import.err.customer_not_external"),
                                                      ("C3", "import.err.customer_retired")]
    assert "“FAW”已停用" in error_message(plan.errors[1].key, plan.errors[1].values, "zh")
    with pytest.raises(store.ImportRefused):
        _import(_workbook(rows))
    assert store.issue_count() == 0 and [c.code for c in store.customers()] == ["FAW"]     # nobody created


def test_reimporting_the_same_file_twice_creates_no_duplicates(plant):
    rows = [["Description", "Open date", "Owner"], ["无编号的问题", "2026-03-02", "张伟"]]
    content = _workbook(rows)
    _, first = _import(content)
    _, second = _import(content)
    _, third = _import(content)
    assert (len(first.created), second.created, third.unchanged) == (1, [], first.created)
    assert store.issue_count() == 1
    with db.read_session() as session:
        imported = session.exec(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.field == "imported")).one()
    assert imported == 1


def test_dry_run_changes_nothing(plant):
    rows = [["Description", "Open date", "Owner"], ["预览不写入", "2026-03-02", "新同事"]]
    _, _, preview = sheet_import.read_board(_workbook(rows), store.step_columns())
    plan = store.plan_import(actor_id=None, issues=preview.issues, now=NOW)
    assert plan.count("create") == 1 and plan.new_names["people"] == ["新同事"]
    assert store.issue_count() == 0 and all(p.name != "新同事" for p in store.reference_lists()["people"])


def test_export_then_import_gives_the_same_board(engine, empty_database):
    demo.load_demo(on=ON)
    columns = store.step_columns()
    before = sort_board(store.board_frame(on=ON))
    exported = excel.export_board(before, columns, "zh", on=ON)
    _, again = _import(exported)
    assert again.created == [] and again.updated == [] and sorted(again.unchanged) == sorted(before["number"])

    db.use_engine(None)
    fresh = db.make_engine(empty_database())
    db.upgrade(fresh)
    db.use_engine(fresh)
    from qr.defaults import install_defaults
    install_defaults()
    _, into_fresh = _import(exported)
    assert sorted(into_fresh.created) == sorted(before["number"])
    after = sort_board(store.board_frame(on=ON))
    letters = lambda frame: {r["number"]: (r["overall"], {c["code"]: (r["steps"][c["code"]]["status"].value
                                                                      if c["code"] in r["steps"] else "NA")
                                                          for c in columns}) for r in frame.to_dict("records")}
    assert letters(after) == letters(before)
    customer_of = lambda frame: dict(zip(frame["number"], frame["customer"]))
    assert customer_of(after) == customer_of(before) and any(customer_of(before).values())   # created by the import
    fresh.dispose()


def test_cli_import_reports_cells_and_exit_codes(engine, database_url, tmp_path):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(_workbook([["Description", "Open date", "Owner"], ["CLI 导入", "2026-03-02", "张伟"]]))
    bad.write_bytes(_workbook([["Description", "Open date", "Owner"], ["CLI 导入", "someday", "张伟"]]))

    def cli(*arguments):
        return subprocess.run([sys.executable, "-m", "qr", "import", *arguments], cwd=ROOT, capture_output=True,
                              text=True, env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"})
    refused = cli(str(bad))
    assert refused.returncode == 2 and "sheet 总装车间, cell B2: “someday” is not a date" in refused.stderr
    assert "write it like 2026-03-05" in refused.stderr                  # and what to do about it
    dry = cli(str(good), "--dry-run")
    assert dry.returncode == 0 and "1 issues would be created" in dry.stdout and store.issue_count() == 0
    done = cli(str(good))
    assert done.returncode == 0 and store.issue_count() == 1
    assert cli(str(good), "--sheet", "没有这页").returncode == 2
    assert cli(str(tmp_path / "missing.xlsx")).returncode == 2


@pytest.mark.parametrize("status, closed_cell, closed_on", [
    ("Open", None, None), ("OPEN", None, None), ("open", None, None), ("开启", None, None), ("进行中", None, None),
    ("CLOSED", None, ON), ("已关闭", None, ON), (None, "2026-03-10", date(2026, 3, 10)), (None, "已关闭", ON),
    (None, "Open", None),
])
def test_status_words_and_close_dates(plant, status, closed_cell, closed_on):
    rows = [["Description", "Open date", "Owner", "Status", "Date Closed"],
            ["状态词测试", "2026-03-02", "张伟", status, closed_cell]]
    preview, outcome = _import(_workbook(rows))
    assert preview.errors == [] and len(outcome.created) == 1
    assert store.issue_detail(outcome.created[0], on=ON).issue["closed_on"] == closed_on


def test_imported_steps_say_where_they_came_from(plant):
    rows = [["Description", "Open date", "Owner", "Containment"], ["来源说明", "2026-03-02", "张伟", "G"]]
    _, outcome = _import(_workbook(rows))
    history = store.issue_detail(outcome.created[0], on=ON).history
    reasons = {h["field"]: h["reason"] for h in history}
    assert reasons["imported"] == "test.xlsx, row 2"
    assert reasons["completed_on"] == "test.xlsx, row 2; completion date unknown"


def test_imported_issues_are_decided_their_steps_unmoved_and_their_completions_checked(plant):
    """The honest rules (#18) on the bulk import: each new step starts at its original target with no move, the
    plant's own board decided the tier (reviewed), and a G is the system's completion: done, nothing to verify."""
    rows = [["Description", "Open date", "Owner", "Containment", "Root cause analysis"],
            ["导入的问题", "2026-03-02", "张伟", "G", ""]]
    _, outcome = _import(_workbook(rows))
    detail = store.issue_detail(outcome.created[0], on=ON)
    steps = {s["code"]: s for s in detail.steps}
    assert all(s["original_target_on"] == s["target_on"] and s["target_moves"] == 0
               and s["move_requested_on"] is None for s in steps.values())
    assert (steps["containment"]["state"], steps["containment"]["to_verify"]) == ("done", False)
    assert steps["containment"]["completed_on"] == ON
    with db.read_session() as session:
        issue = session.exec(select(Issue).where(Issue.number == outcome.created[0])).one()
    assert issue.reviewed_at is not None and issue.on_board


def test_an_imported_completion_settles_a_claim_and_drops_a_move_request(plant, open_issue):
    """A known issue's G from the sheet completes a step waiting for verification and one with a move waiting for
    approval, as the system's completion: done, no claim left to verify, no request left to answer."""
    issue = open_issue(date(2026, 3, 2), template="minor", severity="C", description="卡扣断裂")
    steps = {s["code"]: s for s in store.issue_detail(issue.number, on=ON).steps}
    store.complete_step(actor_id=plant["owner"].id, step_id=steps["containment"]["id"], done_on=date(2026, 3, 3),
                        evidence="照片", expected_version=issue.version, now=plant_moment(date(2026, 3, 3)))
    store.move_target(actor_id=plant["owner"].id, step_id=steps["root_cause"]["id"], target_on=date(2026, 3, 20),
                      reason="等供应商分析报告", expected_version=store.issue_detail(issue.number).issue["version"],
                      now=plant_moment(ON, 10))
    steps = {s["code"]: s for s in store.issue_detail(issue.number, on=ON).steps}
    assert steps["containment"]["to_verify"] and steps["root_cause"]["move_requested_on"] == date(2026, 3, 20)
    rows = [["No.", "Description", "Open date", "Owner", "Lead", "Containment", "Root cause analysis"],
            [issue.number, "卡扣断裂", "2026-03-02", "张伟", "孙丽", "G", "G"]]
    _, outcome = _import(_workbook(rows))
    assert outcome.updated == [issue.number]
    steps = {s["code"]: s for s in store.issue_detail(issue.number, on=ON).steps}
    assert [(steps[c]["state"], steps[c]["to_verify"]) for c in ("containment", "root_cause")] == [
        ("done", False), ("done", False)]
    assert (steps["root_cause"]["move_requested_on"], steps["root_cause"]["target_moves"]) == (None, 0)


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(engine, open_issue):
    """db.insert_rows hands rows to the driver itself (COPY, or SQLite's executemany): what it stores must be what
    SQLAlchemy's own insert stores, for every column type an import writes (dates, aware moments in any zone,
    booleans, NULLs, text)."""
    issue = open_issue(ON)
    moment = datetime(2026, 3, 12, 17, 5, 9, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    with Session(engine) as session:
        issue_row = dict(session.execute(select(Issue.__table__).where(Issue.id == issue.id)).mappings().one())
        del issue_row["id"]
        issue_row.update(closed_on=date(2026, 3, 20), cancelled=True, created_at=moment,
                         updated_at=moment.replace(microsecond=0), reviewed_at=None, description="=1+1 **粗体**")
        event_row = {"at": moment, "actor_id": None, "actor_name": "", "actor_name_en": "", "entity": "issue",
                     "entity_id": issue.id, "issue_id": issue.id, "field": "imported", "old": None, "new": "QR",
                     "reason": "board.xlsx, row 3"}
        for table, row, unique in ((Issue.__table__, issue_row, "number"), (AuditEvent.__table__, event_row, None)):
            by_sqlalchemy = {**row, **({unique: "QR-2026-9001"} if unique else {})}
            by_driver = {**row, **({unique: "QR-2026-9002"} if unique else {})}
            session.execute(table.insert(), [by_sqlalchemy])
            db.insert_rows(session, table, [by_driver])
            columns = ", ".join(f'"{name}"' for name in row if name != unique)
            stored = session.connection().exec_driver_sql(
                f'SELECT {columns} FROM "{table.name}" ORDER BY id DESC LIMIT 2').all()
            assert stored[0] == stored[1], table.name
            read_back = session.execute(select(table).order_by(table.c.id.desc()).limit(1)).mappings().one()
            assert {name: read_back[name] for name in row if name != unique} == \
                   {name: value for name, value in row.items() if name != unique}, table.name
        session.rollback()

"""Text that starts like a formula (OWASP's CSV injection list) typed through the store, then every workbook and
CSV the app writes opened for real: no cell is a formula, and the text reads as typed (CSV: with a leading quote)."""
import csv
import io
import tomllib
from datetime import date, timedelta

import openpyxl
import pytest

from qr import excel, minutes, report, sheet_import, sheets, store, trend_reading, trends
from tests.conftest import PASSWORD, ROOT, plant_moment

ON = date(2026, 3, 12)
OPENED = ON - timedelta(days=40)               # long enough red to be escalated in the weekly pack
HYPERLINK, CALC = '=HYPERLINK("http://x.invalid","y")', "=cmd|' /C calc'!A0"
DESCRIPTIONS = [HYPERLINK, CALC, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _formulas(book) -> list[str]:
    """Every formula cell of the workbook, as 'sheet!A1'."""
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"]


def _values(book) -> set:
    return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize("value, field", [
    (HYPERLINK, "'" + HYPERLINK),
    (CALC, "'" + CALC),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-5", "'-5"),                             # text that looks like a negative number is still text
    (-5, -5),                                  # a negative number is a number
    (2.5, 2.5),
    (date(2026, 3, 5), date(2026, 3, 5)),
    ("卡扣断裂 =1+1", "卡扣断裂 =1+1"),          # a sign inside the text runs nothing
    ("", ""),
    (None, None),
])
def test_csv_field(value, field):
    assert sheets.csv_field(value) == field


@pytest.mark.parametrize("value, read_back, data_type", [
    *[(text, text, "s") for text in DESCRIPTIONS[:-1]],
    ("\r=1", "\n=1", "s"),                     # XML reads a carriage return as a line end (Excel does too)
    ("#N/A", "#N/A", "s"),                     # text, not Excel's error value
    (-5, -5, "n"),
    (date(2026, 3, 5), date(2026, 3, 5), "d"),
])
def test_put_keeps_text_as_typed_in_a_saved_workbook(value, read_back, data_type):
    book = openpyxl.Workbook()
    sheets.put(book.active, 1, 1, value)
    book.active["B1"] = "=SUM(1,2)"            # a formula the app writes itself stays a formula
    buffer = io.BytesIO()
    book.save(buffer)
    cell, formula = openpyxl.load_workbook(buffer).active["A1":"B1"][0]
    read = cell.value.date() if data_type == "d" else cell.value
    assert (read, cell.data_type, formula.data_type) == (read_back, data_type, "f")
    assert cell.quotePrefix is sheets.starts_like_formula(value)


# ---------------------------------------------------------------- every export, from a plant typed in by hand


@pytest.fixture
def hostile(engine):
    """An area, people, a category and issues whose names and texts start like formulas, all typed through the
    store; today's meeting reported every issue, with a guest, an action and a new report date."""
    area = store.create_area(code="EVIL", name_zh=HYPERLINK, name_en="@SUM(A1)")
    owner = store.create_person(name=CALC, name_en="+1+1", area_id=area.id)
    lead = store.create_person(name="@SUM(A1)", name_en="-2+3", area_id=area.id)
    store.create_account(actor_id=None, person_id=owner.id, username="owner", role="owner", password=PASSWORD)
    store.create_account(actor_id=None, person_id=lead.id, username="lead", role="facilitator", password=PASSWORD)
    category = store.create_category(code="EVIL", name_zh="-2+3", name_en="=1+1", kind="external")
    template = next(t for t in store.reference_lists()["templates"] if t.code == "standard")
    issues = [store.create_issue(actor_id=owner.id, description=text, category_id=category.id, area_id=area.id,
                                 severity="A", owner_id=owner.id, lead_id=lead.id, opened_on=OPENED,
                                 next_report_on=ON, template_id=template.id, part_number="@SUM(A1)",
                                 now=plant_moment(OPENED))
              for text in DESCRIPTIONS]
    first = store.issue_detail(issues[0].number, on=ON)
    store.set_countermeasure(actor_id=owner.id, step_id=first.steps[0]["id"], countermeasure=HYPERLINK,
                             expected_version=first.issue["version"], now=plant_moment(ON - timedelta(days=1)))
    start = plant_moment(ON, 9)
    meeting = store.start_meeting(actor_id=lead.id, area_id=area.id, now=start)
    store.sign_in(actor_id=lead.id, meeting_id=meeting.id, expected_version=meeting.version, now=start,
                  statuses={line["id"]: "present" for line in store.sign_in_sheet(meeting.id)})
    store.add_guest(actor_id=lead.id, meeting_id=meeting.id, name=CALC, expected_version=meeting.version + 1,
                    now=start)
    for minute, issue in enumerate(issues, start=1):
        store.record_report(actor_id=lead.id, meeting_id=meeting.id, issue_id=issue.id,
                            now=start + timedelta(minutes=minute))
    store.decide_action(actor_id=lead.id, meeting_id=meeting.id, issue_id=issues[1].id, action="=1+1",
                        owner_id=owner.id, due_on=ON + timedelta(days=2),
                        expected_version=store.issue_detail(issues[1].number).issue["version"],
                        now=start + timedelta(minutes=10))
    store.end_meeting(actor_id=lead.id, meeting_id=meeting.id, expected_version=meeting.version + 2,
                      now=start + timedelta(minutes=15))
    stored = [store.issue_detail(issue.number, on=ON).issue["description"] for issue in issues]
    return {"meeting_id": meeting.id, "numbers": [issue.number for issue in issues], "descriptions": stored}


def test_the_store_keeps_what_was_typed_but_leading_blanks(hostile):
    """Tab and carriage return cannot lead stored text (the store strips blanks); the rule above covers them."""
    assert hostile["descriptions"] == [*DESCRIPTIONS[:5], "=1", "=1"]


@pytest.mark.parametrize("lang, owner, lead, category", [("zh", CALC, "@SUM(A1)", "-2+3"),
                                                          ("en", "+1+1", "-2+3", "=1+1")], ids=["zh", "en"])
def test_board_export_holds_the_text_not_formulas(hostile, lang, owner, lead, category):
    content = excel.export_board(store.board_frame(on=ON), store.step_columns(), lang, on=ON)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert _formulas(sheet.parent) == []
    rows = {row[1]: row for row in sheet.iter_rows(min_row=excel.FIRST_ROW, values_only=True)}
    assert [rows[number][2:4] for number in hostile["numbers"]] == [(category, text)
                                                                    for text in hostile["descriptions"]]
    assert {rows[number][5:8] for number in hostile["numbers"]} == {("@SUM(A1)", owner, lead)}


def test_our_board_export_imports_back_as_the_same_text(hostile):
    content = excel.export_board(store.board_frame(on=ON), store.step_columns(), "zh", on=ON)
    _, _, preview = sheet_import.read_board(content, store.step_columns())
    assert preview.errors == []
    read = {issue.number: (issue.description, issue.owner, issue.lead, issue.category, issue.part_number)
            for issue in preview.issues}
    assert [read[number] for number in hostile["numbers"]] == [(text, CALC, "@SUM(A1)", "-2+3", "@SUM(A1)")
                                                               for text in hostile["descriptions"]]
    outcome = store.import_issues(actor_id=None, issues=preview.issues, source="board.xlsx", now=plant_moment(ON))
    assert (outcome.created, outcome.updated, sorted(outcome.unchanged)) == ([], [], sorted(hostile["numbers"]))


@pytest.mark.parametrize("lang, area, lead, owner, guest", [("zh", HYPERLINK, "@SUM(A1)", CALC, f"{CALC} (列席)"),
                                                            ("en", "@SUM(A1)", "-2+3", "+1+1", f"{CALC} (guest)")],
                         ids=["zh", "en"])
def test_minutes_workbook_holds_the_text_not_formulas(hostile, lang, area, lead, owner, guest):
    book = openpyxl.load_workbook(io.BytesIO(minutes.minutes_workbook(store.meeting_minutes(hostile["meeting_id"]),
                                                                      lang)))
    assert _formulas(book) == []
    facts, attendance, issues = book.worksheets
    assert [value for _, value in facts.iter_rows(max_row=3, values_only=True)][1:] == [area, lead]
    names = [name for name, _ in attendance.iter_rows(min_row=2, values_only=True)]
    assert names == [owner, lead, guest]
    rows = list(issues.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[2]) for row in rows] == [(text, owner) for text in hostile["descriptions"]]


def _kpis() -> trends.Trends:
    """The trends as the page and the weekly pack compute them, for the four weeks to ON."""
    period = trends.period_for(ON - timedelta(days=27), ON, ON)
    return trend_reading.kpis(period, trends.TrendsFilter())


def test_weekly_pack_workbook_holds_the_text_not_formulas(hostile):
    book = openpyxl.load_workbook(io.BytesIO(report.workbook(_kpis(), "zh")))
    assert _formulas(book) == []
    escalated = list(book["escalated"].iter_rows(min_row=5, values_only=True))
    assert sorted(row[1] for row in escalated) == sorted(hostile["descriptions"])
    assert {row[2:4] for row in escalated} == {(HYPERLINK, CALC)}
    assert {"-2+3", HYPERLINK, CALC} <= _values(book)              # category, area and owner breakdowns
    by_owner = list(book["by_owner"].iter_rows(min_row=5, values_only=True))
    assert by_owner == [(CALC, 7, 0, 0)]          # open, opened in the four weeks, closed: numbers, not text


@pytest.mark.parametrize("name", [name for name in report.KPI_NAMES if name != "escalated"])
def test_every_trends_csv_quotes_text_that_starts_like_a_formula(hostile, name):
    """What the trends page offers as each chart's CSV, read back with the csv module: quoted text, bare numbers."""
    kpis = _kpis()
    content = sheets.csv_bytes(report.display_table(report.kpi_frames(kpis)[name], "zh"))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), quoting=csv.QUOTE_NONNUMERIC))
    assert not [field for row in rows for field in row if sheets.starts_like_formula(field)]
    expected = {"by_owner": [["'" + CALC, 7.0, 0.0, 0.0]], "by_area": [["'" + HYPERLINK, 7.0, 0.0, 0.0]],
                "by_category": [["'-2+3", 7.0, 0.0, 0.0]]}
    if name in expected:
        assert rows[1:] == expected[name]                           # text with its quote, numbers as numbers


def test_tables_offer_no_csv_of_their_own():
    """Streamlit's table toolbar writes CSV without the quote; only the app's own downloads may write one."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True

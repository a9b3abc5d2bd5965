"""Minutes of a meeting built through the store: the PDF read back with pdftotext, the workbook with openpyxl, the CLI."""
import re
import subprocess
import sys
from datetime import date, timedelta
from io import BytesIO

import openpyxl
import pytest

from qr import minutes, store
from tests.conftest import ROOT, plant_moment

DAY = date(2026, 3, 3)
MEMBERS = [("王芳", "Wang Fang"), ("李强", "Li Qiang"), ("刘洋", "Liu Yang"), ("陈静", "Chen Jing"),
           ("杨磊", "Yang Lei")]
DESCRIPTIONS = ["客户投诉：左前门内饰板卡扣断裂", "PRR：后保险杠支架焊点虚焊，客户入厂检验检出3件"]


@pytest.fixture
def held_meeting(plant, open_issue):
    """Yesterday's meeting, a completed step since, then today's: two issues reported, one decision, 5 of 7."""
    for zh, en in MEMBERS:
        store.create_person(name=zh, name_en=en, area_id=plant["area"].id)
    issues = [open_issue(DAY - timedelta(days=2), description=text) for text in DESCRIPTIONS]
    lead = plant["lead"].id
    yesterday = store.start_meeting(actor_id=lead, area_id=plant["area"].id, now=plant_moment(DAY - timedelta(days=1), 9))
    store.end_meeting(actor_id=lead, meeting_id=yesterday.id, expected_version=yesterday.version,
                      now=plant_moment(DAY - timedelta(days=1), 9) + timedelta(minutes=15))
    step = store.issue_detail(issues[0].number).steps[0]
    store.complete_step(actor_id=lead, step_id=step["id"], done_on=DAY - timedelta(days=1),
                        expected_version=issues[0].version, now=plant_moment(DAY - timedelta(days=1), 16))
    start = plant_moment(DAY, 9)
    today = store.start_meeting(actor_id=lead, area_id=plant["area"].id, now=start)
    sheet = store.sign_in_sheet(today.id)
    store.sign_in(actor_id=lead, meeting_id=today.id, expected_version=today.version, now=start,
                  statuses={line["id"]: "present" if n < 5 else "absent" for n, line in enumerate(sheet)})
    store.add_guest(actor_id=lead, meeting_id=today.id, name="供应商代表 周工", expected_version=today.version + 1,
                    now=start)
    for minute, issue in enumerate(issues, start=2):
        store.record_report(actor_id=lead, meeting_id=today.id, issue_id=issue.id,
                            now=start + timedelta(minutes=minute))
    store.decide_next_report(actor_id=lead, meeting_id=today.id, issue_id=issues[1].id,
                             next_report_on=DAY + timedelta(days=3), expected_version=issues[1].version,
                             now=start + timedelta(minutes=5))
    store.end_meeting(actor_id=lead, meeting_id=today.id, expected_version=today.version + 2,
                      now=start + timedelta(minutes=17))
    return store.meeting_minutes(today.id)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", "", text)         # wrapped lines joined: a description may break across lines


def test_minutes_data(held_meeting):
    assert (held_meeting.duration_minutes, f"{held_meeting.attendance_rate:.1%}") == (17, "71.4%")
    first, second = held_meeting.items
    assert [c["field"] for c in first["changes"]] == ["state", "completed_on"]       # since yesterday's meeting
    assert [d["kind"] for d in second["decisions"]] == ["next_report"]
    assert second["next_report_on"] == DAY + timedelta(days=3)


def test_pdf_holds_the_chinese_descriptions_and_attendees(held_meeting, tmp_path):
    text = _pdf_text(minutes.minutes_pdf(held_meeting), tmp_path)
    for expected in [*DESCRIPTIONS, "张伟", "孙丽", "王芳", "杨磊", "供应商代表周工", "71.4%(5/7)",
                     "遏制措施·步骤状态：未完成→完成", "下次汇报日期改为2026-03-06", "17分钟"]:
        assert re.sub(r"\s+", "", expected) in text, expected


def test_workbook_holds_the_same_rows(held_meeting):
    book = openpyxl.load_workbook(BytesIO(minutes.minutes_workbook(held_meeting)))
    facts, sheet, issues = book.worksheets
    assert dict(facts.iter_rows(values_only=True))["与会率"] == "71.4% (5/7)"
    attendance = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(attendance) == 8 and attendance[-1] == ("供应商代表 周工 (列席)", "出席")
    rows = list(issues.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[6]) for r in rows] == [(i["number"], i["description"], i["next_report_on"].isoformat())
                                                  for i in held_meeting.items]
    assert rows[1][5] == "下次汇报日期改为2026-03-06"


def _cli(*arguments, database_url):
    return subprocess.run([sys.executable, "-m", "qr", *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "QR_DEMO": "0"})


def test_cli_minutes(held_meeting, database_url, tmp_path):
    pdf = tmp_path / "m.pdf"
    done = _cli("minutes", "--area", "ASSY", "--date", DAY.isoformat(), "--out", str(pdf), database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert DESCRIPTIONS[0] in _pdf_text(pdf.read_bytes(), tmp_path)
    sheet = tmp_path / "m.xlsx"
    assert _cli("minutes", "--area", "总装车间", "--date", DAY.isoformat(), "--out", str(sheet), "--lang", "en",
                database_url=database_url).returncode == 0
    assert openpyxl.load_workbook(sheet).sheetnames == ["Meeting", "Attendance", "Issues"]
    for arguments, message in [
        (("--area", "PAINT", "--date", DAY.isoformat()), "known areas: ASSY"),
        (("--area", "ASSY", "--date", "3/3/2026"), "YYYY-MM-DD"),
        (("--area", "ASSY", "--date", "2026-03-09"), "no meeting of ASSY on 2026-03-09"),
        (("--area", "ASSY", "--date", DAY.isoformat(), "--out", str(tmp_path / "m.csv")), "*.pdf or *.xlsx"),
    ]:
        refused = _cli("minutes", *arguments, database_url=database_url)
        assert (refused.returncode, message in refused.stderr) == (2, True), refused.stderr

"""The weekly pack as plants script it: python -m qr report --week … --out DIR on the test database."""
import subprocess
import sys

from openpyxl import load_workbook

from qr import report
from tests.conftest import ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _qr(*args: str) -> subprocess.CompletedProcess:
    """The CLI in a child process; DATABASE_URL (set by the database fixture) points it at the test database."""
    return subprocess.run([sys.executable, "-m", "qr", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_weekly_pack_writes_numbers_and_pictures(march_plant, tmp_path):
    out = tmp_path / "pack"
    done = _qr("report", "--week", "2026-W13", "--out", str(out))
    assert done.returncode == 0, done.stderr
    book = load_workbook(out / "QR-trends-2026-W13.xlsx")
    assert book.sheetnames == list(report.KPI_NAMES)
    sheet = book["opened_closed"]
    assert sheet["A1"].value == "每周新增与关闭，及周末未关闭数"
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[0] == ("周", "新增", "关闭", "取消", "重新打开", "周末未关闭")
    assert len(rows) == 13 and rows[1][0] == "2026-W02"              # twelve weeks, the chosen one last
    assert rows[-4:] == [("2026-W10", 3, 1, 0, 0, 4), ("2026-W11", 3, 0, 0, 0, 7), ("2026-W12", 2, 2, 0, 1, 8),
                         ("2026-W13", 2, 1, 0, 0, 9)]                # as counted in test_trends.py
    march = [row for row in book["days_red_yellow"].iter_rows(min_row=5, values_only=True) if row[0] == "2026-03"]
    assert march == [("2026-03", 82, 495)]
    pictures = sorted(out.glob("*.png"))
    assert [p.name for p in pictures][:2] == ["QR-trends-2026-W13-01-opened_closed.png",
                                              "QR-trends-2026-W13-02-ageing.png"]
    assert len(pictures) == 13                                       # no attendance chart without meetings
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) and p.stat().st_size > 5000 for p in pictures)


def test_bad_week_exits_2_with_the_reason(march_plant, tmp_path):
    for week, reason in (("2026-47", "not an ISO week"), ("2025-W53", "not an ISO week"),
                         ("2999-W01", "has not started yet")):
        done = _qr("report", "--week", week, "--out", str(tmp_path / "pack"))
        assert (done.returncode, done.stdout) == (2, "")
        assert reason in done.stderr
    assert not (tmp_path / "pack").exists()

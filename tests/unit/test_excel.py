"""The board exported to a real .xlsx and read back with openpyxl: order, letters, fills, print setup."""
import subprocess
import sys
from datetime import date, timedelta

import openpyxl
import pytest

from qr import demo, excel, palette, store
from qr.board import sort_board
from tests.conftest import ROOT

ON = date(2026, 3, 12)


@pytest.fixture
def exported(demo_copy, tmp_path):
    demo_copy(ON)
    frame = sort_board(store.board_frame(on=ON))
    path = tmp_path / "board.xlsx"
    path.write_bytes(excel.export_board(frame, store.step_columns(), "zh", on=ON))
    return frame, openpyxl.load_workbook(path).active


def test_header_in_gm_order_under_a_title(exported):
    _, sheet = exported
    assert sheet["A1"].value == "快速响应跟踪板 · 全部 · 2026-03-12"
    headers = [c.value for c in sheet[2]]
    assert headers[:9] == ["总体", "编号", "类别/来源", "问题描述", "提出日期", "零件号", "责任人", "牵头人", "下次汇报"]
    assert headers[9:] == ["遏制措施", "根本原因分析", "纠正措施实施", "防错/探测", "验证有效性", "PFMEA/控制计划更新",
                           "标准化作业", "分层审核", "横向展开", "经验教训", "关闭日期", "状态", "客户"]


def test_every_issue_row_with_letters_and_matching_fills(exported):
    frame, sheet = exported
    rows = list(sheet.iter_rows(min_row=3, values_only=False))
    assert [r[1].value for r in rows] == list(frame["number"])
    codes = [c["code"] for c in store.step_columns()]
    for cells, record in zip(rows, frame.to_dict("records")):
        assert cells[0].value == record["overall"]
        assert cells[0].fill.fgColor.rgb == "00" + palette.excel(palette.STATUS[record["overall"]])
        assert cells[4].value.date() == record["opened_on"]
        for cell, code in zip(cells[9:19], codes):
            step = record["steps"].get(code)
            status = step["status"].value if step else "NA"
            assert cell.value == {"G": "G", "Y": "Y", "R": "R", "NA": "N/A"}[status]
            assert cell.fill.fgColor.rgb == "00" + palette.excel(palette.STATUS[status])
        assert (cells[19].value, cells[20].value) == ("未关闭", "未关闭")


def test_frozen_header_widths_and_print_setup(exported):
    _, sheet = exported
    assert sheet.freeze_panes == "C3"
    assert sheet.column_dimensions["D"].width == 48
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$2:$2"


def test_report_overdue_date_is_red(exported):
    frame, sheet = exported
    overdue = [i for i, flag in enumerate(frame["report_overdue"]) if flag]
    assert overdue
    assert all(sheet.cell(row=3 + i, column=9).font.color.rgb == "00C62828" for i in overdue)


def _cli(*arguments, database_url):
    return subprocess.run([sys.executable, "-m", "qr", *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "QR_DEMO": "0"})


def test_cli_export_by_area_and_bad_input(engine, database_url, tmp_path):
    demo.load_demo(on=store.today() - timedelta(days=1))
    target = tmp_path / "assy.xlsx"
    done = _cli("export", str(target), "--area", "ASSY", database_url=database_url)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(target).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=3, min_col=2, max_col=2, values_only=True)]
    assy = store.board_frame()
    assert sorted(numbers) == sorted(assy[assy["area_en"] == "Final assembly"]["number"])
    unknown = _cli("export", str(tmp_path / "x.xlsx"), "--area", "喷漆", database_url=database_url)
    assert (unknown.returncode, "known areas: ASSY" in unknown.stderr) == (2, True)
    wrong_type = _cli("export", str(tmp_path / "x.csv"), database_url=database_url)
    assert wrong_type.returncode == 2 and "*.xlsx" in wrong_type.stderr

"""The printed board: an area's rows on A3 landscape, one page wide, read back as a phone and a person would —
pdfinfo for the paper, pdftotext for the words, pdftoppm for the picture, a real QR decoder (zxing-cpp) for the
codes, and the colour under each row's overall letter."""
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image

from qr import palette, printed_board, store
from qr.board import sort_board
from tests.conftest import ROOT, plant_moment

PUBLIC_URL = "https://qr.plant.example"
DPI = 150
ROWS = 13                        # more than one A3 page holds: the board goes on downwards


@pytest.fixture
def printed_area(plant, open_issue):
    """ASSY with late (red) and new (yellow) issues, one with its containment completed (a green cell)."""
    today = store.today()
    for n in range(ROWS):
        late = n % 3 == 0
        issue = open_issue(today - timedelta(days=60 if late else 0),
                           description=f"客户投诉：左前门内饰板卡扣断裂 第{n + 1}批", next_report_on=today)
        if n == 1:
            step = store.issue_detail(issue.number).steps[0]
            store.complete_step(actor_id=plant["lead"].id, step_id=step["id"], done_on=today,
                                expected_version=issue.version, now=plant_moment(today))
    sgm = store.create_customer(actor_id=None, code="SGM", name_zh="上汽通用")   # the last one: a customer's
    store.set_complaint_details(actor_id=None, issue_id=issue.id, customer_id=sgm.id, defect_quantity=None,
                                expected_version=store.issue_detail(issue.number).issue["version"])
    return sort_board(store.board_frame(on=today))


def _cli(*arguments, database_url):
    return subprocess.run([sys.executable, "-m", "qr", *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "QR_DEMO": "0",
                               "QR_PUBLIC_URL": PUBLIC_URL})


@pytest.fixture
def printed(printed_area, database_url, tmp_path):
    """`python -m qr print` run as a plant would script it; the PDF's path."""
    out = tmp_path / "board.pdf"
    done = _cli("print", "--area", "ASSY", "--out", str(out), database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{ROWS} issues of ASSY printed to {out}"
    return out


def test_every_page_is_a3_landscape(printed):
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(printed)], capture_output=True, text=True,
                          check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts \(A3\)", info)
    assert len(sizes) == int(re.search(r"Pages:\s+(\d+)", info).group(1)) == 2
    assert all((round(float(w)), round(float(h))) == (1191, 842) for w, h in sizes)     # 420 × 297 mm


def test_the_text_holds_every_issue_number_and_the_chinese(printed, printed_area):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(printed), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert sorted(re.findall(r"QR-\d{4}-\d{4}", text)) == sorted(printed_area["number"])
    flat = re.sub(r"\s+", "", text)
    assert "客户投诉：左前门内饰板卡扣断裂第13批" in flat and "总装车间" in flat and "扫码更新" in flat
    assert flat.count("SGM·客户投诉") == 1                                    # whose complaint, as on screen


def _pages(pdf, tmp_path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "page")], check=True)
    return [Image.open(path).convert("RGB") for path in sorted(tmp_path.glob("page-*.png"))]


def test_each_row_has_a_code_that_opens_its_update_form_in_the_board_order(printed, printed_area, tmp_path):
    pages = _pages(printed, tmp_path)
    decoded = []
    for page in pages:
        codes = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
        assert all(code.position.top_right.x < page.width for code in codes)      # one page wide
        decoded += [(page, code) for code in sorted(codes, key=lambda c: c.position.top_left.y)]
    assert [code.text for _, code in decoded] == [f"{PUBLIC_URL}/update?no={number}"
                                                  for number in printed_area["number"]]
    # the overall cell of the code's row wears the row's colour (left edge of the table, the code's height)
    left = round((printed_board.MARGIN + 1.5) / 25.4 * DPI)
    colours = [page.getpixel((left, (code.position.top_left.y + code.position.bottom_left.y) // 2))
               for page, code in decoded]
    assert colours == [palette.rgb(palette.STATUS[overall]) for overall in printed_area["overall"]]
    assert {"R", "Y"} <= set(printed_area["overall"])


def test_the_cli_refuses_an_unknown_area_and_a_file_that_is_not_a_pdf(printed_area, database_url, tmp_path):
    for arguments, message in [(("--area", "PAINT", "--out", str(tmp_path / "b.pdf")), "known areas: ASSY"),
                               (("--area", "ASSY", "--out", str(tmp_path / "b.xlsx")), "name it *.pdf")]:
        refused = _cli("print", *arguments, database_url=database_url)
        assert (refused.returncode, message in refused.stderr) == (2, True), refused.stderr


@pytest.mark.parametrize("step, marks", [
    ({"warning": False}, ""),
    ({"warning": True}, "!"),
    ({"warning": False, "no_countermeasure": True}, "⊘"),
    ({"warning": False, "target_moves": 2}, "↷2"),
    ({"warning": True, "move_requested_on": "2026-03-05"}, "!↷?"),
    ({"warning": False, "to_verify": True}, "✓?"),
])
def test_a_printed_step_carries_the_marks_of_the_screen(step, marks):
    assert printed_board.mark_text(step) == marks


def test_more_steps_narrow_the_columns_but_the_row_still_fills_one_page_width():
    usable = 420 - 2 * printed_board.MARGIN
    for steps in (4, 10, 16):
        widths, _ = printed_board.column_widths(steps, usable)
        assert round(sum(widths), 6) == usable and widths[-1] >= printed_board.QR_SIDE


def test_a_very_long_description_is_cut_so_that_its_row_stays_on_one_page(plant, open_issue, tmp_path):
    today = store.today()
    open_issue(today, description="客户投诉：左前门内饰板卡扣断裂，" * 125)            # 2,000 characters, the limit
    path = tmp_path / "long.pdf"
    path.write_bytes(printed_board.board_pdf(store.board_frame(on=today), store.step_columns(), "zh", on=today,
                                             public_url=PUBLIC_URL))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "…" in text
    assert len(zxingcpp.read_barcodes(_pages(path, tmp_path)[0])) == 1

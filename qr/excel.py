"""The board as an Excel workbook for customers and auditors: GM column order, letters and fills, print-ready.
(Reading a plant's own workbook is qr.sheet_import.)"""
import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from qr.i18n import t
from qr.palette import GRID, NAVY, ON_NAVY, ON_STATUS, STATUS, excel
from qr.sheets import put
from qr.views import LETTER, issue_state

HEADER_FILL = PatternFill("solid", fgColor=excel(NAVY))
HEADER_FONT = Font(bold=True, color=excel(ON_NAVY))
THIN = Side(style="thin", color=excel(GRID))
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# widths in characters: overall, number, category, description, opened, part, owner, lead, next report; steps;
# closed, status, customer
WIDTHS = [7, 15, 16, 48, 12, 15, 10, 10, 12]
STEP_WIDTH, CLOSED_WIDTH, STATUS_WIDTH, CUSTOMER_WIDTH = 8, 12, 10, 14
HEADER_ROW, FIRST_ROW = 2, 3


def export_title(lang: str, on: date, area=None) -> str:
    """'QR Board · Final assembly · 2026-11-23': what, which area (or all), which day."""
    area_name = (area.name_en if lang == "en" else area.name_zh) if area is not None else t("board.filter.all", lang)
    return " · ".join([t("app.title", lang), area_name, on.isoformat()])


def status_fill(status: str) -> PatternFill:
    return PatternFill("solid", fgColor=excel(STATUS[status]))


def export_board(frame: pd.DataFrame, columns: list[dict], lang: str, *, on: date, area=None) -> bytes:
    """An .xlsx of the board rows in `frame` (already filtered and sorted, of `area` or all areas on day
    `on`), ready to print on one page width."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("page.board", lang)[:31]
    headers = [t(key, lang) for key in ("col.overall", "col.number", "col.category", "col.description",
                                        "col.opened", "col.part", "col.owner", "col.lead", "col.next_report")]
    headers += [c["name_en"] if lang == "en" else c["name_zh"] for c in columns]
    headers += [t("col.closed", lang), t("col.status", lang), t("field.customer", lang)]   # the customer imports back
    put(sheet, 1, 1, export_title(lang, on, area)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for index, header in enumerate(headers, start=1):
        cell = put(sheet, HEADER_ROW, index, header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row_index, record in enumerate(frame.to_dict("records"), start=FIRST_ROW):
        _write_row(sheet, row_index, record, columns, lang)
    _layout(sheet, len(columns), len(headers))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_row(sheet, row: int, record: dict, columns: list[dict], lang: str) -> None:
    english = lang == "en"
    values = [record["overall"], record["number"], record["category_en" if english else "category_zh"],
              record["description"], record["opened_on"], record["part_number"],
              record["owner_en" if english else "owner"], record["lead_en" if english else "lead"],
              record["next_report_on"]]
    for column, value in enumerate(values, start=1):
        cell = put(sheet, row, column, value)
        cell.border = BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=column == 4)
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    _colour(sheet.cell(row=row, column=1), record["overall"])
    if record["report_overdue"]:
        sheet.cell(row=row, column=9).font = Font(bold=True, color=excel(STATUS["R"]))
    for offset, step_column in enumerate(columns, start=len(values) + 1):
        step = record["steps"].get(step_column["code"])
        status = step["status"].value if step else "NA"
        cell = put(sheet, row, offset, LETTER[status] if status != "NA" else "N/A")
        cell.border = BORDER
        _colour(cell, status)
    closed = put(sheet, row, len(values) + len(columns) + 1, record["closed_on"] or t("cell.open", lang))
    closed.border = BORDER
    if record["closed_on"]:
        closed.number_format = "yyyy-mm-dd"
    put(sheet, row, len(values) + len(columns) + 2, t(issue_state(record), lang)).border = BORDER
    put(sheet, row, len(values) + len(columns) + 3, record["customer_en" if english else "customer"]).border = BORDER


def _colour(cell, status: str) -> None:
    cell.fill = status_fill(status)
    cell.font = Font(bold=True, color=excel(ON_STATUS[status]))
    cell.alignment = Alignment(horizontal="center", vertical="center")


def _layout(sheet, step_count: int, column_count: int) -> None:
    """Frozen header and number column, widths, and a landscape page that fits the width of A3."""
    widths = WIDTHS + [STEP_WIDTH] * step_count + [CLOSED_WIDTH, STATUS_WIDTH, CUSTOMER_WIDTH]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 45
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=3)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(column_count)}{max(sheet.max_row, HEADER_ROW)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


LESSON_FIELDS = ("number", "closed", "part", "process", "category", "area", "problem", "root_cause", "what_changed",
                 "documents", "read_across")


def export_lessons(frame: pd.DataFrame, lang: str, *, on: date) -> bytes:
    """The lessons library as filtered on the page, one lesson a row, text wrapped, ready for a sister plant."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("page.lessons", lang)[:31]
    put(sheet, 1, 1, " · ".join([t("page.lessons", lang), on.isoformat()])).font = Font(bold=True, size=14)
    for index, name in enumerate(LESSON_FIELDS, start=1):
        cell = put(sheet, HEADER_ROW, index, t(f"lessons.col.{name}", lang))
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        sheet.column_dimensions[get_column_letter(index)].width = 40 if index > 6 else 14
    english = lang == "en"
    for row, lesson in enumerate(frame.to_dict("records"), start=FIRST_ROW):
        values = (lesson["number"], lesson["closed_on"], lesson["part_number"], lesson["process"],
                  lesson["category_en" if english else "category_zh"], lesson["area_en" if english else "area_zh"],
                  lesson["problem"], lesson["root_cause"], lesson["what_changed"], lesson["documents"],
                  f'{lesson["targets_settled"]}/{lesson["targets"]}' if lesson["targets"] else "")
        for column, value in enumerate(values, start=1):
            cell = put(sheet, row, column, value)
            cell.alignment, cell.border = Alignment(wrap_text=True, vertical="top"), BORDER
            if column == 2 and value:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

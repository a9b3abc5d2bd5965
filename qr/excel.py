"""The board as an Excel workbook for customers and auditors: GM column order, letters and fills, print-ready."""
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from qr.i18n import t
from qr.palette import GRID, NAVY, ON_NAVY, ON_STATUS, STATUS, excel
from qr.sheets import put
from qr.views import LETTER

HEADER_FILL = PatternFill("solid", fgColor=excel(NAVY))
HEADER_FONT = Font(bold=True, color=excel(ON_NAVY))
THIN = Side(style="thin", color=excel(GRID))
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# widths in characters: overall, number, category, description, opened, part, owner, lead, next report; steps; closed
WIDTHS = [7, 15, 16, 48, 12, 15, 10, 10, 12]
STEP_WIDTH, CLOSED_WIDTH = 8, 12
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
    headers += [c["name_en"] if lang == "en" else c["name_zh"] for c in columns] + [t("col.closed", lang)]
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


def _colour(cell, status: str) -> None:
    cell.fill = status_fill(status)
    cell.font = Font(bold=True, color=excel(ON_STATUS[status]))
    cell.alignment = Alignment(horizontal="center", vertical="center")


def _layout(sheet, step_count: int, column_count: int) -> None:
    """Frozen header and number column, widths, and a landscape page that fits the width of A3."""
    widths = WIDTHS + [STEP_WIDTH] * step_count + [CLOSED_WIDTH]
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


# ---------------------------------------------------------------- import

HEADER_SCAN_ROWS = 10
SYNONYMS = {
    "number": ["编号", "问题编号", "序号编号", "No.", "No", "Number", "Issue No.", "Issue #", "ID"],
    "overall": ["总体", "总体状态", "Overall", "Overall status"],
    "category": ["类别/来源", "类别", "来源", "问题来源", "Category", "Source"],
    "description": ["问题描述", "问题", "Description", "Issue", "Problem", "Problem description"],
    "opened_on": ["提出日期", "发现日期", "检出日期", "开启日期", "开始日期", "发生日期", "Date Opened", "Open date", "Opened", "Date"],
    "part_number": ["零件号", "零件号/单元号", "Part #", "Part No.", "Part number", "Unit/Part #", "Part/Unit No."],
    "owner": ["责任人", "Owner", "Resp.", "Responsible"],
    "lead": ["牵头人", "Lead", "Champion"],
    "next_report_on": ["下次汇报日期", "下次汇报", "Next report date", "Next report", "Next Review", "Next review date"],
    "closed_on": ["关闭日期", "Date Closed", "Closed", "Close date"],
    "status": ["状态", "问题状态", "Status"],
    "area": ["区域", "车间", "Area", "Shop"],
    "severity": ["严重度", "等级", "Severity"],
}
LETTERS = {"G": "G", "绿": "G", "Y": "Y", "黄": "Y", "R": "R", "红": "R", "N/A": "NA", "NA": "NA", "–": "NA",
           "-": "NA", "—": "NA", "不适用": "NA"}
OPEN_WORDS = {"open", "开启", "进行中", "未关闭", "打开"}
CLOSED_WORDS = {"closed", "close", "已关闭", "关闭", "完成"}
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
]


def _key(text) -> str:
    """Header text reduced to what matters: case, spaces and punctuation do not."""
    return re.sub(r"[\s._#:/()（）：\-]+", "", str(text or "")).lower()


@dataclass
class ImportedIssue:
    sheet_row: int
    description: str
    owner: str
    lead: str
    opened_on: date
    number: str | None = None
    category: str | None = None
    area: str | None = None
    part_number: str = ""
    severity: str = "B"
    next_report_on: date | None = None
    closed_on: date | None = None
    closed: bool = False
    steps: dict[str, str] = field(default_factory=dict)   # step code → G | Y | R | NA


@dataclass
class CellError:
    cell: str        # e.g. "E7"
    key: str         # i18n key
    value: str = ""


@dataclass
class ImportPreview:
    sheet: str
    header_row: int
    issues: list[ImportedIssue]
    errors: list[CellError]
    unknown_columns: list[str]


def sheet_names(content: bytes) -> list[str]:
    return load_workbook(io.BytesIO(content), read_only=True).sheetnames


def read_board(content: bytes, step_columns: list[dict], *, sheet: str | None = None,
               today: date) -> ImportPreview:
    """Read a plant's own Excel board: header anywhere in the first rows, zh/en headers, letters or fills.
    A step column is recognised by any of the board step's names (store.step_columns)."""
    workbook = load_workbook(io.BytesIO(content), data_only=True)
    if sheet is not None and sheet not in workbook.sheetnames:
        raise KeyError(sheet)
    worksheet = workbook[sheet] if sheet else workbook.active
    lookup = {_key(name): field_name for field_name, names in SYNONYMS.items() for name in names}
    lookup.update({_key(column[name]): f"step:{column['code']}" for column in step_columns
                   for name in ("name_zh", "name_en", "short_zh", "short_en")})
    header_row, columns = _find_header(worksheet, lookup)
    unknown = [f"{get_column_letter(c)}{header_row}: {v[1:]}" for c, v in columns.items() if v.startswith("?")]
    columns = {c: v for c, v in columns.items() if not v.startswith("?")}
    issues, errors = [], []
    for row in worksheet.iter_rows(min_row=header_row + 1):
        if all(cell.value in (None, "") for cell in row):
            continue
        parsed = _read_row(row, columns, worksheet.title, today)
        errors += parsed if isinstance(parsed, list) else []
        if isinstance(parsed, ImportedIssue):
            issues.append(parsed)
    return ImportPreview(worksheet.title, header_row, issues, errors, unknown)


def _find_header(worksheet, lookup: dict[str, str]) -> tuple[int, dict[int, str]]:
    best_row, best = 1, {}
    for row in worksheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS):
        found = {cell.column: lookup.get(_key(cell.value), f"?{cell.value}") for cell in row
                 if cell.value not in (None, "")}
        if sum(not v.startswith("?") for v in found.values()) > sum(not v.startswith("?") for v in best.values()):
            best_row, best = row[0].row, found
    return best_row, best


def _read_row(row, columns: dict[int, str], sheet_title: str, today: date):
    cells = {name: row[column - 1] for column, name in columns.items() if column - 1 < len(row)}
    errors = []

    def text(name: str) -> str:
        cell = cells.get(name)
        return "" if cell is None or cell.value is None else str(cell.value).strip()

    def when(name: str, required: bool) -> date | None:
        cell = cells.get(name)
        value = None if cell is None else cell.value
        if value in (None, ""):
            if required:
                errors.append(CellError(_address(cell, row, name), "import.err.required"))
            return None
        parsed = parse_date(value)
        if parsed is None:
            errors.append(CellError(cell.coordinate, "import.err.date", str(value)))
        return parsed

    description, owner = text("description"), text("owner")
    for name, value in (("description", description), ("owner", owner)):
        if not value:
            errors.append(CellError(_address(cells.get(name), row, name), "import.err.required"))
    opened_on, next_report_on, closed_on = when("opened_on", True), when("next_report_on", False), None
    status = text("status").lower()
    closed_text = text("closed_on")
    if closed_text and closed_text.lower() in OPEN_WORDS:
        closed_text = ""
    elif closed_text and closed_text.lower() in CLOSED_WORDS:
        status, closed_text = "closed", ""
    if closed_text:
        closed_on = when("closed_on", False)
    if status and status not in OPEN_WORDS | CLOSED_WORDS:
        errors.append(CellError(cells["status"].coordinate, "import.err.status", text("status")))
    steps = {}
    for name, cell in cells.items():
        if name.startswith("step:"):
            letter = step_letter(cell)
            if letter == "?":
                errors.append(CellError(cell.coordinate, "import.err.step", str(cell.value)))
            elif letter:
                steps[name[5:]] = letter
    severity = text("severity").upper()[:1] or "B"
    if severity not in ("A", "B", "C"):
        errors.append(CellError(cells["severity"].coordinate, "import.err.severity", text("severity")))
    if errors:
        return errors
    return ImportedIssue(sheet_row=row[0].row, description=description, owner=owner, lead=text("lead") or owner,
                         opened_on=opened_on, number=text("number") or None, category=text("category") or None,
                         area=text("area") or sheet_title, part_number=text("part_number"), severity=severity,
                         next_report_on=next_report_on, closed_on=closed_on,
                         closed=closed_on is not None or status in CLOSED_WORDS, steps=steps)


def _address(cell, row, name: str) -> str:
    return cell.coordinate if cell is not None else f"{name}{row[0].row}"


def parse_date(value) -> date | None:
    """Excel dates, or text as plants type it: 2026-03-05, 2026/3/5, 3/5/2026, 5.3.2026, 2026年3月5日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(str(value).strip())
        if match:
            parts = dict(zip(order, map(int, match.groups())))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def step_letter(cell) -> str | None:
    """G / Y / R / NA from the letter, else from the fill colour; None when empty, '?' when unreadable."""
    value = str(cell.value).strip().upper() if cell.value is not None else ""
    if value:
        return LETTERS.get(value, LETTERS.get(str(cell.value).strip(), "?"))
    return fill_letter(cell.fill)


def fill_letter(fill) -> str | None:
    """Green, yellow or red of any common shade; other fills (and none) say nothing."""
    if fill is None or fill.fill_type != "solid":
        return None
    colour = fill.fgColor
    if colour.type == "rgb" and isinstance(colour.rgb, str):
        rgb = colour.rgb[-6:]
    elif colour.type == "indexed" and colour.indexed is not None and colour.indexed < len(COLOR_INDEX):
        rgb = COLOR_INDEX[colour.indexed][-6:]
    else:
        return None
    red, green, blue = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    if red > 150 and green > 150 and blue < 120:
        return "Y"
    if green > red + 40 and green > blue + 20:
        return "G"
    if red > green + 80 and red > blue + 80:
        return "R"
    return None

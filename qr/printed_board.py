"""The board printed on A3 landscape for an area's notice board: the screen's columns, colours, letters and marks,
one page wide (columns scaled to fit, more pages downwards), and on each row a QR code that opens the issue's
update form on a phone (after signing in when the phone has no session)."""
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
import segno
from fpdf import FPDF

from qr import palette
from qr.excel import export_title
from qr.i18n import t
from qr.notices import issue_link
from qr.pdf import add_fonts
from qr.views import LETTER

MARGIN = 8.0                 # mm, every side
QR_SIDE = 20.0               # mm, the code and its quiet zone: a phone reads it from half a metre
QR_BORDER = 4                # modules of quiet zone, as the standard asks
PAD = 1.0                    # mm inside a cell
FONT = 9.0                   # points, at natural widths
LINE = 0.42                  # mm of line height per point of font size
MAX_LINES = 12               # a longer text is cut with "…": a row never outgrows a page (the detail has it all)
HEAD_HEIGHT = 11.0
FOOT_HEIGHT = 9.0
# natural widths in mm; scaled together (the QR column aside) until the row fills the page's width
WIDTHS = {"overall": 12, "number": 27, "category": 24, "description": 80, "opened": 17, "part": 22, "owner": 16,
          "lead": 16, "next_report": 17}
STEP_WIDTH, CLOSED_WIDTH = 13, 16
HEADS = {"overall": "col.overall", "number": "col.number", "category": "col.category",
         "description": "col.description", "opened": "col.opened", "part": "col.part", "owner": "col.owner",
         "lead": "col.lead", "next_report": "col.next_report", "closed": "col.closed"}


@dataclass(frozen=True)
class Cell:
    text: str
    status: str | None = None       # G | Y | R | NA: filled with the status colour, its letter large
    small: str = ""                 # a second line in a smaller size (a step's target date)
    align: str = "C"
    overdue: bool = False           # drawn in red, as the screen draws an overdue next report


def mark_text(step: dict) -> str:
    """The marks after a step's letter, as the board draws them: ! warning, ⊘ red without countermeasure,
    ↷N moved N times, ↷? a move waiting for approval, ✓? done and waiting for verification."""
    marks = "!" if step["warning"] else ""
    marks += "⊘" if step.get("no_countermeasure") else ""
    marks += f"↷{int(step['target_moves'])}" if step.get("target_moves") else ""
    marks += "↷?" if step.get("move_requested_on") else ""
    return marks + ("✓?" if step.get("to_verify") else "")


def _short(value) -> str:
    return value.strftime("%m-%d") if isinstance(value, date) else ""


def row_cells(record: dict, columns: list[dict], lang: str) -> list[Cell]:
    """What each cell of a printed row shows: the screen's text, letters, marks and colours."""
    english = lang == "en"
    overall = record["overall"]
    level = int(record["escalation_level"] or 0)
    overdue = bool(record["report_overdue"])
    closed = _short(record["closed_on"]) if record["closed_on"] else t("cell.open", lang)
    if record["cancelled"]:
        closed = f'{t("cell.cancelled", lang)} {closed}'
    cells = [
        Cell(LETTER[overall], status=overall, small=f"▲{level}" if level else ""),
        Cell(record["number"]),
        Cell(" · ".join(filter(None, [record.get("customer_code"),
                                      record["category_en" if english else "category_zh"]])), align="L"),  # as shown
        Cell(record["description"], align="L"),
        Cell(_short(record["opened_on"]), small=t("cell.days", lang, days=record["days_open"])),
        Cell(record["part_number"] or ""),
        Cell(record["owner_en" if english else "owner"] or ""),
        Cell(record["lead_en" if english else "lead"] or ""),
        Cell(_short(record["next_report_on"]) + (" ⚠" if overdue else ""), overdue=overdue),
    ]
    for column in columns:
        step = record["steps"].get(column["code"])
        if step is None:
            cells.append(Cell(LETTER["NA"], status="NA"))
            continue
        status = getattr(step["status"], "value", step["status"])
        due = _short(step["target_on"]) if status in ("Y", "R") else ""
        cells.append(Cell(LETTER[status] + mark_text(step), status=status, small=due))
    cells.append(Cell(closed))
    return cells


class PrintedBoard(FPDF):
    """A3 landscape; every page repeats the title and the column heads, and ends with the legend and its number."""

    def __init__(self, title: str, heads: list[str], widths: list[float], font: float, lang: str):
        super().__init__(orientation="L", unit="mm", format="A3")
        self.title_text, self.heads, self.widths, self.font, self.lang = title, heads, widths, font, lang
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_draw_color(*palette.rgb(palette.GRID))
        self.set_line_width(0.2)
        add_fonts(self)
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        self.set_xy(MARGIN, MARGIN)
        self.set_font("noto", "B", 14)
        self.cell(0, 7, self.title_text)
        self.set_font("noto", size=9)
        self.set_xy(MARGIN, MARGIN)
        self.cell(0, 7, t("print.scan_hint", self.lang), align="R")
        y = MARGIN + 9
        x = MARGIN
        self.set_fill_color(*palette.rgb(palette.NAVY))
        self.set_text_color(*palette.rgb(palette.ON_NAVY))
        for head, width in zip(self.heads, self.widths):
            self.rect(x, y, width, HEAD_HEIGHT, style="DF")
            _text_box(self, x, y, width, HEAD_HEIGHT, head, self.font, bold=True)
            x += width
        self.set_text_color(0, 0, 0)
        self.set_y(y + HEAD_HEIGHT)

    def footer(self) -> None:
        self.set_xy(MARGIN, self.h - MARGIN - FOOT_HEIGHT + 2)
        self.set_font("noto", size=8)
        self.cell(0, 5, legend_text(self.lang))
        self.set_xy(MARGIN, self.h - MARGIN - FOOT_HEIGHT + 2)
        self.cell(0, 5, t("print.page", self.lang, page=self.page_no(), pages="{nb}"), align="R")


def legend_text(lang: str) -> str:
    keys = "  ".join(f"{LETTER[s]} {t('status.' + s, lang)}" for s in ("G", "Y", "R", "NA"))
    marks = "  ".join(f"{mark} {t(key, lang)}" for mark, key in (
        ("!", "legend.warning"), ("⊘", "legend.no_countermeasure"), ("↷2", "legend.moved"),
        ("↷?", "legend.move_requested"), ("✓?", "legend.to_verify"), ("▲1–3", "legend.escalation"),
        ("⚠", "legend.report_overdue")))
    return f"{t('legend.title', lang)}: {keys}  {marks}"


def _lines(pdf: FPDF, width: float, text: str, size: float, bold: bool = False) -> list[str]:
    pdf.set_font("noto", "B" if bold else "", size)
    return pdf.multi_cell(max(width - 2 * PAD, 1), size * LINE, text, dry_run=True, output="LINES")


def _fitted(pdf: FPDF, width: float, text: str, size: float) -> str:
    """The text as it wraps in the cell, cut after MAX_LINES lines with an ellipsis."""
    lines = _lines(pdf, width, text, size)
    if len(lines) <= MAX_LINES:
        return text
    return "\n".join([*lines[:MAX_LINES - 1], lines[MAX_LINES - 1][:-1] + "…"])


def _text_box(pdf: FPDF, x: float, y: float, width: float, height: float, text: str, size: float, *,
              bold: bool = False, align: str = "C", small: str = "") -> None:
    """Text wrapped inside a box and centred in its height; user text is drawn as it is, never as markup."""
    lines = _lines(pdf, width, text, size, bold)
    small_size = size * 0.8
    total = len(lines) * size * LINE + (small_size * LINE if small else 0)
    pdf.set_xy(x + PAD, y + max((height - total) / 2, PAD))
    pdf.set_font("noto", "B" if bold else "", size)
    pdf.multi_cell(width - 2 * PAD, size * LINE, text, align=align, new_x="LEFT", new_y="NEXT")
    if small:
        pdf.set_font("noto", size=small_size)
        pdf.set_x(x + PAD)
        pdf.multi_cell(width - 2 * PAD, small_size * LINE, small, align=align, new_x="LEFT", new_y="NEXT")


def _qr_code(pdf: FPDF, x: float, y: float, side: float, url: str) -> None:
    """The code as vector squares (one rectangle per run of dark modules): sharp at any print resolution."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    module = side / (len(matrix) + 2 * QR_BORDER)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + (row_index + QR_BORDER) * module
        start = None
        for column_index, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column_index
            elif not dark and start is not None:
                pdf.rect(x + (start + QR_BORDER) * module, top, (column_index - start) * module, module, style="F")
                start = None


def column_widths(step_count: int, usable: float) -> tuple[list[float], float]:
    """Every column's width in mm and the factor the text scales with: the natural widths stretched or shrunk
    to fill the page, the QR column kept at its size."""
    natural = [*WIDTHS.values(), *[STEP_WIDTH] * step_count, CLOSED_WIDTH]
    factor = (usable - QR_SIDE - 2 * PAD) / sum(natural)
    return [w * factor for w in natural] + [QR_SIDE + 2 * PAD], factor


def board_pdf(frame: pd.DataFrame, columns: list[dict], lang: str, *, on: date, public_url: str, area=None,
              printed_at: datetime | None = None) -> bytes:
    """The rows of `frame` (already filtered and sorted) as an A3 landscape PDF, one page wide."""
    usable = 420.0 - 2 * MARGIN
    widths, factor = column_widths(len(columns), usable)
    font = max(min(FONT, FONT * factor), 6.0)
    heads = [t(HEADS[key], lang) for key in WIDTHS]
    heads += [c["short_en"] if lang == "en" else c["short_zh"] for c in columns]
    heads += [t("col.closed", lang), t("print.scan", lang)]
    title = export_title(lang, on, area)
    if printed_at is not None:
        title += " · " + t("print.printed_at", lang, time=printed_at.strftime("%Y-%m-%d %H:%M"))
    pdf = PrintedBoard(title, heads, widths, font, lang)
    pdf.add_page()
    bottom = pdf.h - MARGIN - FOOT_HEIGHT
    if frame.empty:
        _text_box(pdf, MARGIN, pdf.get_y() + 2, usable, 10, t("print.empty", lang), 11, align="L")
    for record in frame.to_dict("records"):
        cells = [replace(cell, text=_fitted(pdf, width, cell.text, font))
                 for cell, width in zip(row_cells(record, columns, lang), widths)]
        needed = max(len(_lines(pdf, width, cell.text, font)) * font * LINE + 2 * PAD
                     + (font * 0.8 * LINE if cell.small else 0) for cell, width in zip(cells, widths))
        height = max(needed, QR_SIDE + 2 * PAD)
        if pdf.get_y() + height > bottom:
            pdf.add_page()
        y = pdf.get_y()
        x = MARGIN
        for cell, width in zip(cells, widths):
            _draw_cell(pdf, x, y, width, height, cell, font)
            x += width
        pdf.rect(x, y, widths[-1], height, style="D")
        _qr_code(pdf, x + PAD, y + (height - QR_SIDE) / 2, QR_SIDE, issue_link(public_url, record["number"], lang))
        pdf.set_y(y + height)
    return bytes(pdf.output())


def _draw_cell(pdf: FPDF, x: float, y: float, width: float, height: float, cell: Cell, font: float) -> None:
    if cell.status is not None:
        pdf.set_fill_color(*palette.rgb(palette.STATUS[cell.status]))
        pdf.set_text_color(*palette.rgb(palette.ON_STATUS[cell.status]))
        pdf.rect(x, y, width, height, style="DF")
        _text_box(pdf, x, y, width, height, cell.text, font * 1.4, bold=True, small=cell.small)
    else:
        pdf.set_text_color(*palette.rgb(palette.STATUS["R"]) if cell.overdue else (0, 0, 0))
        pdf.rect(x, y, width, height, style="D")
        _text_box(pdf, x, y, width, height, cell.text, font, bold=cell.overdue, align=cell.align, small=cell.small)
    pdf.set_text_color(0, 0, 0)

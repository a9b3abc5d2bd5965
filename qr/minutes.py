"""The meeting's minutes as a PDF (fpdf2 with Noto Sans CJK, so Chinese prints) and as an .xlsx."""
from functools import partial
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from qr.i18n import t
from qr.meeting import attendance_rows, header_rows, issue_rows
from qr.pdf import a4_document, write_line
from qr.sheets import put_rows
from qr.store import Minutes


def minutes_pdf(minutes: Minutes, lang: str = "zh") -> bytes:
    """A4 portrait minutes; the CJK font is embedded, so the PDF reads the same on any machine."""
    pdf = a4_document()
    line = partial(write_line, pdf)

    line(t("minutes.title", lang), size=16, height=9)
    for label, value in header_rows(minutes, lang):
        line(f"{label}: {value}")
    pdf.ln(2)
    line(t("minutes.attendees", lang), size=12, height=8)
    line("; ".join(f"{name} {status}" for name, status in attendance_rows(minutes, lang)) or t("minutes.none", lang))
    pdf.ln(2)
    line(t("minutes.issues", lang), size=12, height=8)
    rows = issue_rows(minutes, lang)
    if not rows:
        line(t("minutes.no_issues", lang))
    for number, row in enumerate(rows, start=1):
        line(f"{number}. {row['number']} [{row['overall']}] {row['owner']}: {row['description']}", size=11, height=7)
        for label, entries in ((t("minutes.changes", lang), row["changes"]),
                               (t("minutes.decisions", lang), row["decisions"])):
            line(f"  {label}: {'' if entries else t('minutes.none', lang)}", size=9, height=5)
            for entry in entries:
                line(f"    · {entry}", size=9, height=5)
        line(f"  {t('col.next_report', lang)}: {row['next_report_on']}", size=9, height=5)
        pdf.ln(1)
    return bytes(pdf.output())


def minutes_workbook(minutes: Minutes, lang: str = "zh") -> bytes:
    """Three sheets: the meeting's facts, the sign-in sheet, and one row per issue reported."""
    book = Workbook()
    facts = book.active
    facts.title = t("minutes.sheet.meeting", lang)
    put_rows(facts, header_rows(minutes, lang))
    facts.column_dimensions["A"].width, facts.column_dimensions["B"].width = 16, 40
    sheet = book.create_sheet(t("minutes.sheet.attendance", lang))
    put_rows(sheet, [(t("minutes.person", lang), t("minutes.status", lang)), *attendance_rows(minutes, lang)])
    sheet.column_dimensions["A"].width = 24
    issues = book.create_sheet(t("minutes.sheet.issues", lang))
    heads = [t("col.number", lang), t("col.description", lang), t("col.owner", lang), t("col.overall", lang),
             t("minutes.changes", lang), t("minutes.decisions", lang), t("col.next_report", lang)]
    rows = [[row["number"], row["description"], row["owner"], row["overall"], "\n".join(row["changes"]),
             "\n".join(row["decisions"]), row["next_report_on"]] for row in issue_rows(minutes, lang)]
    put_rows(issues, [heads, *rows])
    for cells in (sheet[1], issues[1]):
        for cell in cells:
            cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (14, 50, 12, 8, 60, 50, 14)):
        issues.column_dimensions[column].width = width
    for row in issues.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    content = BytesIO()
    book.save(content)
    return content.getvalue()

"""PDF documents with Noto CJK embedded (Debian's fonts-noto-cjk): the minutes, the 8D and the printed board read
the same on any machine, Chinese included."""
from pathlib import Path

from fpdf import FPDF

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SIMPLIFIED_CHINESE = 2          # the face of the collection with Simplified Chinese glyph forms
# Noto CJK lacks a few of the board's marks (↷, the moved-target mark): DejaVu Sans (fonts-dejavu-core) draws them
SYMBOLS_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def add_fonts(pdf: FPDF) -> None:
    """'noto' regular and bold, falling back on DejaVu Sans for the marks Noto CJK lacks."""
    pdf.add_font("noto", fname=str(CJK_FONT), collection_font_number=SIMPLIFIED_CHINESE)
    pdf.add_font("noto", style="B", fname=str(CJK_BOLD), collection_font_number=SIMPLIFIED_CHINESE)
    if SYMBOLS_FONT.is_file():          # without it a ↷ prints as nothing; the rest of the document stands
        pdf.add_font("symbols", fname=str(SYMBOLS_FONT))
        pdf.set_fallback_fonts(["symbols"], exact_match=False)


def a4_document() -> FPDF:
    """Portrait A4, a page begun, breaking pages by itself."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    add_fonts(pdf)
    pdf.add_page()
    return pdf


def write_line(pdf: FPDF, text: str, size: float = 10, height: float = 6) -> None:
    """A paragraph across the page's width, wrapped, then on to the next line."""
    pdf.set_font("noto", size=size)
    pdf.multi_cell(pdf.w - pdf.l_margin - pdf.r_margin, height, text, new_x="LMARGIN", new_y="NEXT")

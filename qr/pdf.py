"""A4 documents with Noto CJK embedded (Debian's fonts-noto-cjk): the minutes and the 8D read the same on any
machine, Chinese included."""
from pathlib import Path

from fpdf import FPDF

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SIMPLIFIED_CHINESE = 2          # the face of the collection with Simplified Chinese glyph forms


def a4_document() -> FPDF:
    """Portrait A4, a page begun, breaking pages by itself."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("noto", fname=str(CJK_FONT), collection_font_number=SIMPLIFIED_CHINESE)
    pdf.add_page()
    return pdf


def write_line(pdf: FPDF, text: str, size: float = 10, height: float = 6) -> None:
    """A paragraph across the page's width, wrapped, then on to the next line."""
    pdf.set_font("noto", size=size)
    pdf.multi_cell(pdf.w - pdf.l_margin - pdf.r_margin, height, text, new_x="LMARGIN", new_y="NEXT")

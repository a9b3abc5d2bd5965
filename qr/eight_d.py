"""The built-in 8D / PPSR report: its sections and fields, when it counts as complete, and its PDF.

Plain values only (the store keeps the content as JSON, the page draws the form from SECTIONS). Filling a
section never changes a step's colour: steps turn green only by being completed on the board.
"""
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from qr import palette
from qr.i18n import t
from qr.pdf import a4_document

WHYS = 5
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class EightDField:
    name: str
    kind: str = "text"   # text | quantity | whys (up to five answers to "why?")
    required: bool = True


SECTIONS: dict[str, tuple[EightDField, ...]] = {
    "D1": (EightDField("team"), EightDField("champion", required=False)),
    "D2": (EightDField("what"), EightDField("where"), EightDField("when"), EightDField("who", required=False),
           EightDField("why", required=False), EightDField("how", required=False), EightDField("how_many"),
           EightDField("is"), EightDField("is_not")),
    "D3": (EightDField("containment"), EightDField("checked_plant", "quantity", required=False),
           EightDField("checked_transit", "quantity", required=False),
           EightDField("checked_customer", "quantity", required=False),
           EightDField("found", "quantity", required=False)),
    "D4": (EightDField("occurrence", "whys"), EightDField("occurrence_root"),
           EightDField("detection", "whys"), EightDField("detection_root"),
           EightDField("systemic", "whys"), EightDField("systemic_root")),
    "D5": (EightDField("actions"),),
    "D6": (EightDField("implementation"), EightDField("verification")),
    "D7": (EightDField("pfmea"), EightDField("control_plan"), EightDField("standard_work"), EightDField("lpa"),
           EightDField("read_across")),
    "D8": (EightDField("closure"), EightDField("recognition", required=False)),
}
CHECKED = ("checked_plant", "checked_transit", "checked_customer")


def section_of(eight_d: str) -> str:
    """A step's 8D code as the section its link opens: 'D5/D6' opens D5."""
    code = eight_d.split("/")[0].strip().upper()
    return code if code in SECTIONS else "D1"


def _filled(field: EightDField, value) -> bool:
    if field.kind == "whys":
        return bool(value) and bool(str(value[0]).strip())
    if field.kind == "quantity":
        return value is not None
    return bool(str(value or "").strip())


def missing(content: dict) -> dict[str, list[str]]:
    """Per section, the required fields still empty; D3 also needs the quantity checked somewhere
    (plant, in transit or at the customer). An empty result means the report is complete."""
    gaps = {}
    for code, fields in SECTIONS.items():
        values = content.get(code, {})
        empty = [f.name for f in fields if f.required and not _filled(f, values.get(f.name))]
        if code == "D3" and all(values.get(name) is None for name in CHECKED):
            empty.append("checked")
        if empty:
            gaps[code] = empty
    return gaps


def complete(content: dict) -> bool:
    return not missing(content)


def field_text(field: EightDField, value, lang: str) -> str:
    """A field's value as printed: the whys numbered, an empty one as a dash."""
    if field.kind == "whys":
        return "\n".join(f"{t('8d.why_n', lang, n=n)}: {why}" for n, why in enumerate(value or [], start=1)
                         if why) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


GRID = 4                                            # the form's columns: a label and three values
LABEL_WIDTH = 34                                    # mm of the label column
QUANTITIES = (*CHECKED, "found")
CHAINS = ("occurrence", "detection", "systemic")    # D4's three 5-why chains, side by side
PAIRED = {"D2": ("is", "is_not")}                   # fields printed side by side (is / is not)
BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def _styles():
    navy, on_navy, grid = (palette.rgb(c) for c in (palette.NAVY, palette.ON_NAVY, palette.GRID))
    label_fill, label_text = palette.rgb(palette.STATUS["NA"]), palette.rgb(palette.ON_STATUS["NA"])
    return {"heading": FontFace(emphasis="BOLD", color=on_navy, fill_color=navy, size_pt=11),
            "label": FontFace(color=label_text, fill_color=label_fill, size_pt=8.5),
            "value": FontFace(color=BLACK, fill_color=WHITE, size_pt=9.5),
            "root_label": FontFace(emphasis="BOLD", color=BLACK, fill_color=label_fill, size_pt=8.5),
            "root": FontFace(emphasis="BOLD", color=BLACK, fill_color=WHITE, size_pt=9.5), "grid": grid}


def _form_table(pdf: FPDF, lang: str, heading: str):
    """A bordered block of the form: a heading bar (repeated when the block runs onto the next page) over a grid
    of a label column and three value columns; user text is printed as it is, never as markup."""
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    styles = _styles()
    pdf.set_draw_color(*styles["grid"])
    pdf.set_font("noto", size=9.5)
    table = pdf.table(col_widths=(LABEL_WIDTH, *[(usable - LABEL_WIDTH) / (GRID - 1)] * (GRID - 1)),
                      headings_style=styles["heading"], text_align="LEFT", v_align="TOP", line_height=5,
                      padding=(1.2, 1.5), wrapmode="CHAR" if lang == "zh" else "WORD", width=usable,
                      outer_border_width=0.6)
    return table, heading, styles


def _labelled(table, styles, label: str, value: str) -> None:
    row = table.row()
    row.cell(label, style=styles["label"])
    row.cell(value, colspan=GRID - 1, style=styles["value"])


def _section(pdf: FPDF, code: str, values: dict, lang: str) -> None:
    fields = {field.name: field for field in SECTIONS[code]}
    table_context, heading, styles = _form_table(pdf, lang, f"{code} {t(f'8d.{code}', lang)}")
    with table_context as table:
        table.row().cell(heading, colspan=GRID)
        printed = set()
        if code == "D4":
            head = table.row()
            head.cell("", style=styles["label"])
            for chain in CHAINS:
                head.cell(t(f"8d.D4.{chain}", lang), style=styles["label"])
            answers = {chain: list(values.get(chain) or []) for chain in CHAINS}
            for n in range(1, WHYS + 1):
                row = table.row()
                row.cell(t("8d.why_n", lang, n=n), style=styles["label"])
                for chain in CHAINS:
                    row.cell(answers[chain][n - 1] if n <= len(answers[chain]) else "", style=styles["value"])
            row = table.row()
            row.cell(t("8d.root_cause", lang), style=styles["root_label"])
            for chain in CHAINS:
                row.cell(field_text(fields[f"{chain}_root"], values.get(f"{chain}_root"), lang), style=styles["root"])
            return
        for name, field in fields.items():
            if name in printed:
                continue
            if code == "D3" and name in QUANTITIES:
                labels, amounts = table.row(), table.row()
                for quantity in QUANTITIES:
                    labels.cell(t(f"8d.D3.{quantity}", lang), style=styles["label"])
                    amounts.cell(field_text(fields[quantity], values.get(quantity), lang), align="CENTER",
                                 style=styles["value"])
                printed |= set(QUANTITIES)
            elif name in PAIRED.get(code, ()):
                pair = PAIRED[code]
                labels, texts = table.row(), table.row()
                for other in pair:
                    labels.cell(t(f"8d.{code}.{other}", lang), colspan=GRID // 2, style=styles["label"])
                    texts.cell(field_text(fields[other], values.get(other), lang), colspan=GRID // 2,
                               style=styles["value"])
                printed |= set(pair)
            else:
                _labelled(table, styles, t(f"8d.{code}.{name}", lang), field_text(field, values.get(name), lang))


def report_pdf(report: dict, lang: str = "zh") -> bytes:
    """The 8D as an A4 form in Chinese or English: the issue's facts, then D1–D8 as bordered sections with their
    headings, every field a labelled box (printed even when empty), the three 5-why chains of D4 as one table;
    Noto CJK is embedded."""
    pdf = a4_document()
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    issue, gaps = report["issue"], missing(report["content"])
    pdf.set_fill_color(*palette.rgb(palette.NAVY))
    pdf.set_text_color(*palette.rgb(palette.ON_NAVY))
    pdf.set_font("noto", "B", 15)
    pdf.set_xy(pdf.l_margin, 12)
    pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin, 11, f"  {t('8d.title', lang)}", fill=True)
    pdf.set_xy(pdf.l_margin, 12)
    pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin, 11, f"{issue['number']}  ", align="R")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(26)
    facts = [("col.number", issue["number"]), ("col.category", issue["category_en" if lang == "en" else "category_zh"]),
             ("col.part", issue["part_number"] or "—"), ("col.opened", issue["opened_on"].isoformat()),
             ("col.owner", issue["owner_en" if lang == "en" else "owner"]),
             ("col.lead", issue["lead_en" if lang == "en" else "lead"]),
             ("col.closed", issue["closed_on"].isoformat() if issue["closed_on"] else t("cell.open", lang)),
             ("col.status", t("8d.complete", lang) if not gaps else t("8d.incomplete", lang, sections=", ".join(gaps)))]
    table_context, heading, styles = _form_table(pdf, lang, t("8d.issue", lang))
    with table_context as table:
        table.row().cell(heading, colspan=GRID)
        _labelled(table, styles, t("col.description", lang), issue["description"])
        pairs, rest = facts[:6], facts[6:]
        for index in range(0, len(pairs), 2):
            row = table.row()
            for key, value in pairs[index:index + 2]:
                row.cell(t(key, lang), style=styles["label"])
                row.cell(str(value), style=styles["value"])
        for key, value in rest:
            _labelled(table, styles, t(key, lang), value)
    for code in SECTIONS:
        pdf.ln(4)
        with pdf.offset_rendering() as trial:           # a section that would break starts on a new page instead
            _section(trial, code, report["content"].get(code, {}), lang)
        if trial.page_break_triggered:
            pdf.add_page()
        _section(pdf, code, report["content"].get(code, {}), lang)
    return bytes(pdf.output())

"""The built-in 8D / PPSR report: its sections and fields, when it counts as complete, and its PDF.

Plain values only (the store keeps the content as JSON, the page draws the form from SECTIONS). Filling a
section never changes a step's colour: steps turn green only by being completed on the board.
"""
from dataclasses import dataclass
from functools import partial

from qr.i18n import t
from qr.pdf import a4_document, write_line

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


def report_pdf(report: dict, lang: str = "zh") -> bytes:
    """The 8D as an A4 PDF in Chinese or English, every D heading printed even when empty; Noto CJK is embedded."""
    pdf = a4_document()
    line = partial(write_line, pdf)

    issue = report["issue"]
    line(t("8d.title", lang), size=16, height=9)
    for key, value in (("col.number", issue["number"]), ("col.description", issue["description"]),
                       ("col.category", issue["category_en" if lang == "en" else "category_zh"]),
                       ("col.part", issue["part_number"]),
                       ("col.owner", issue["owner_en" if lang == "en" else "owner"]),
                       ("col.lead", issue["lead_en" if lang == "en" else "lead"]),
                       ("col.opened", issue["opened_on"].isoformat()),
                       ("col.closed", issue["closed_on"].isoformat() if issue["closed_on"] else t("cell.open", lang))):
        line(f"{t(key, lang)}: {value}")
    gaps = missing(report["content"])
    line(t("8d.complete", lang) if not gaps else t("8d.incomplete", lang, sections=", ".join(gaps)), size=9)
    for code, fields in SECTIONS.items():
        pdf.ln(2)
        line(f"{code} {t(f'8d.{code}', lang)}", size=13, height=8)
        values = report["content"].get(code, {})
        for field in fields:
            line(f"{t(f'8d.{code}.{field.name}', lang)}: {field_text(field, values.get(field.name), lang)}", size=10)
    return bytes(pdf.output())

"""What the board and the issue page show of a customer's or supplier's complaint: the marks before a description
and the rows of the detail table. Pure functions of the board record; qr.views draws them (and escapes the rows)."""
from datetime import date
from html import escape

import pandas as pd

from qr.i18n import t


def _known(record: dict, name: str):
    """The field's value, or None while it is not known (empty, unset, false, a frame's NaN)."""
    value = record.get(name)
    if value is None or value is False or (isinstance(value, str) and not value) or \
            (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value


def _mark(css_class: str, text: str, tip: str) -> str:
    # only our own translated words: escaped all the same, as every text qr.views draws
    return f'<span class="{css_class}" title="{escape(tip, quote=True)}">{escape(text)}</span> '


def complaint_marks(record: dict, lang: str) -> str:
    """Before the description: a complaint done and waiting for the customer's acceptance, and one a call back
    found not solved. Neither changes a colour, so the board says it in words."""
    marks = ""
    if _known(record, "awaiting_acceptance"):
        marks += _mark("qr-awaiting", t("mark.awaiting", lang), t("mark.awaiting_tip", lang))
    if _known(record, "unsolved_flag"):
        marks += _mark("qr-unsolved", t("mark.unsolved", lang), t("mark.unsolved_tip", lang))
    return marks


def _day(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _joined(*parts) -> str | None:
    return " · ".join(str(part) for part in parts if part) or None


def complaint_fields(issue: dict, lang: str) -> list[tuple[str, str]]:
    """The detail table's rows (label key, plain text) of a complaint, each once it is known: the customer (code and
    name), the bad parts, the supplier with its 8D request and charge-back, the disposition with whose
    responsibility and why, and the customer's acceptance (on, by, how) or that it is awaited."""
    def known(name: str):
        return _known(issue, name)
    disposition, responsibility, how = known("disposition"), known("responsibility"), known("accepted_how")
    quantity = known("defect_quantity")
    rows = [
        ("field.customer", " ".join(filter(None, (known("customer_code"),
                                                  known("customer_en" if lang == "en" else "customer"))))),
        ("field.defect_quantity", None if quantity is None else str(int(quantity))),
        ("field.supplier", known("supplier")),
        ("field.supplier_8d_requested_on", _day(known("supplier_8d_requested_on"))),
        ("field.charge_back", known("charge_back") and "✓"),
        ("field.disposition", _joined(disposition and t(f"disposition.{disposition}", lang),
                                      responsibility and t(f"responsibility.{responsibility}", lang))),
        ("field.disposition_reason", known("disposition_reason")),
        ("field.awaiting_acceptance", known("awaiting_acceptance") and t("mark.awaiting_tip", lang)),
        ("complaint.acceptance", _joined(_day(known("accepted_on")), known("accepted_by"),
                                           how and t(f"accept_how.{how}", lang))),
        ("field.unsolved_flag", known("unsolved_flag") and t("mark.unsolved_tip", lang)),
    ]
    return [(key, value) for key, value in rows if value]

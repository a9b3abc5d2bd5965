"""People's text in the workbooks and CSV files the app writes stays text, never a live formula (OWASP, CSV
injection): every .xlsx cell the app fills goes through `put`, every CSV download through `csv_bytes`."""
import csv

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")      # OWASP: a spreadsheet may run text that starts so


def starts_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def put(sheet, row: int, column: int, value):
    """Fill one cell. Text is a string cell exactly as typed (openpyxl would make '=…' a formula and '#N/A' an
    error); text that starts like a formula also gets Excel's quote prefix, so editing the cell keeps it text."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if starts_like_formula(value):
            cell.quotePrefix = True
    return cell


def put_rows(sheet, rows, *, first: int = 1) -> None:
    """`put` each row's values, the first row on sheet row `first`."""
    for row, values in enumerate(rows, start=first):
        for column, value in enumerate(values, start=1):
            put(sheet, row, column, value)


def csv_field(value):
    """OWASP's rule for CSV: a single quote before text that starts like a formula; numbers stay numbers."""
    return f"'{value}" if starts_like_formula(value) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a CSV to open in Excel: UTF-8 with a BOM (Chinese reads right), header and text made safe by
    `csv_field` and quoted, so a separator inside text cannot start a cell of its own."""
    safe = frame.map(csv_field)
    safe.columns = [csv_field(name) for name in frame.columns]
    return safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")
